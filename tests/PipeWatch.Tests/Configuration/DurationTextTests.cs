using PipeWatch.Configuration;
using Xunit;

namespace PipeWatch.Tests.Configuration;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("90", 90)]
    [InlineData("30s", 30)]
    [InlineData("45S", 45)]
    [InlineData("5m", 300)]
    [InlineData("5M", 300)]
    [InlineData("1.5m", 90)]
    [InlineData("2h", 7200)]
    [InlineData("7d", 604800)]
    [InlineData("0", 0)]
    [InlineData("0.25s", 0.25)]
    [InlineData(" 45s ", 45)]
    public void Valid_text_parses_to_its_seconds(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("5x")]
    [InlineData("5w")]
    [InlineData("soon")]
    [InlineData("NaN")]
    [InlineData("1e400")]
    [InlineData("10 minutes")]
    [InlineData("1e300d")]
    public void Invalid_text_is_refused(string text)
    {
        Assert.False(DurationText.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value);
    }
}
