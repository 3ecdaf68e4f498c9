using System.Text;
using System.Text.Json;
using PipeWatch.Sources;
using Xunit;

namespace PipeWatch.Tests.Sources;

public sealed class JsonFieldsTests
{
    [Theory]
    [InlineData("2021-08-05T10:38:16Z")]
    [InlineData("2021-08-05T10:38:16.0Z")]
    [InlineData("2021-08-05T10:38:16.123Z")]
    [InlineData("2021-08-05T10:38:16.1234567Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2024-02-29T12:00:00Z")]
    [InlineData("2023-12-31T23:59:59.5Z")]
    public void Utc_timestamp_reads_exactly_as_system_text_json_reads_it(string text)
    {
        var raw = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes($"\"{text}\""));
        reader.Read();
        Assert.True(reader.TryGetDateTimeOffset(out var expected));

        Assert.True(JsonFields.TryParseUtc(raw, out var time));

        Assert.Equal((expected, expected.Offset, expected.Ticks), (time, time.Offset, time.Ticks));
    }

    [Theory]
    [InlineData("2021-08-05T10:38:16")]
    [InlineData("2021-08-05T10:38:16+02:00")]
    [InlineData("2021-08-05T10:38:16.12345678Z")]
    [InlineData("2021-08-05T10:38:16.Z")]
    [InlineData("2021-08-05 10:38:16Z")]
    [InlineData("2023-02-29T12:00:00Z")]
    [InlineData("2021-13-05T10:38:16Z")]
    [InlineData("2021-08-05T24:00:00Z")]
    [InlineData("2021-08-05T10:60:16Z")]
    [InlineData("2021-08-05T10:38:60Z")]
    [InlineData("0000-08-05T10:38:16Z")]
    [InlineData("2021-08-0xT10:38:16Z")]
    [InlineData("2021-08-05T10:38:16\\u005a")]
    [InlineData("")]
    public void Anything_but_the_plain_utc_shape_is_left_to_the_general_path(string text)
    {
        Assert.False(JsonFields.TryParseUtc(Encoding.UTF8.GetBytes(text), out _));
    }
}
