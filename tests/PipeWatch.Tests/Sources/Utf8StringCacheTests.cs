using System.Text;
using PipeWatch.Sources;
using Xunit;

namespace PipeWatch.Tests.Sources;

public sealed class Utf8StringCacheTests
{
    [Fact]
    public void The_same_short_bytes_give_the_same_string_instance()
    {
        var cache = new Utf8StringCache();

        var first = cache.Get("acme-enterprise"u8);
        var second = cache.Get("acme-enterprise"u8);

        Assert.Equal("acme-enterprise", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void The_prefix_is_put_before_every_string_but_not_looked_up()
    {
        var cache = new Utf8StringCache("github.");

        Assert.Equal("github.operation_type", cache.Get("operation_type"u8));
        Assert.Same(cache.Get("operation_type"u8), cache.Get("operation_type"u8));
    }

    [Fact]
    public void Every_text_comes_back_whole_whatever_the_slots_hold()
    {
        var cache = new Utf8StringCache();
        var texts = Enumerable.Range(0, 20_000).Select(i => $"value-{i}-ü").ToList();

        foreach (var text in texts.Concat(texts))
        {
            Assert.Equal(text, cache.Get(Encoding.UTF8.GetBytes(text)));
        }
    }

    [Fact]
    public void Long_texts_are_decoded_each_time()
    {
        var cache = new Utf8StringCache();
        var bytes = Encoding.UTF8.GetBytes(new string('x', Utf8StringCache.MaxLength + 1));

        Assert.NotSame(cache.Get(bytes), cache.Get(bytes));
        Assert.Equal(new string('x', Utf8StringCache.MaxLength + 1), cache.Get(bytes));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_throw_rather_than_turn_into_replacement_characters()
    {
        var cache = new Utf8StringCache();

        Assert.Throws<DecoderFallbackException>(() => cache.Get([0x61, 0xC3, 0x28]));
    }
}
