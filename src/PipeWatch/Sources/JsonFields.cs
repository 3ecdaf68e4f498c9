using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources;

/// <summary>Tolerant readers for payload fields: a missing, null or mistyped field reads as null, never throws.</summary>
/// <remarks>Each reader takes the name as a string or, on hot paths, as UTF-8 bytes (<c>"name"u8</c>), which skips transcoding.</remarks>
internal static class JsonFields
{
    public static JsonElement? Object(this JsonElement element, string name) => Get(element, name) is { ValueKind: JsonValueKind.Object } v ? v : null;

    public static JsonElement? Object(this JsonElement element, ReadOnlySpan<byte> name) => Get(element, name) is { ValueKind: JsonValueKind.Object } v ? v : null;

    public static JsonElement? Array(this JsonElement element, string name) => Get(element, name) is { ValueKind: JsonValueKind.Array } v ? v : null;

    public static JsonElement? Array(this JsonElement element, ReadOnlySpan<byte> name) => Get(element, name) is { ValueKind: JsonValueKind.Array } v ? v : null;

    /// <summary>A string field; numbers and booleans are given in their JSON text.</summary>
    public static string? String(this JsonElement element, string name) => AsString(Get(element, name));

    /// <inheritdoc cref="String(JsonElement, string)"/>
    public static string? String(this JsonElement element, ReadOnlySpan<byte> name) => AsString(Get(element, name));

    public static long? Int64(this JsonElement element, string name) => AsInt64(Get(element, name));

    public static long? Int64(this JsonElement element, ReadOnlySpan<byte> name) => AsInt64(Get(element, name));

    public static double? Double(this JsonElement element, string name) =>
        Get(element, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetDouble(out var number) && double.IsFinite(number) ? number : null;

    /// <summary>An ISO 8601 timestamp with or without offset (no offset means UTC), or GitLab's "2016-08-12 15:23:28 UTC" / "+0200" forms.</summary>
    public static DateTimeOffset? Time(this JsonElement element, string name) => AsTime(Get(element, name));

    /// <inheritdoc cref="Time(JsonElement, string)"/>
    public static DateTimeOffset? Time(this JsonElement element, ReadOnlySpan<byte> name) => AsTime(Get(element, name));

    /// <summary>
    /// A string field of a large object whose wanted field comes early (a repository's <c>full_name</c> among ~90):
    /// scans forward and stops at the first match, where a plain lookup scans from the end.
    /// </summary>
    public static string? LeadingString(this JsonElement element, ReadOnlySpan<byte> name)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(name)) return AsString(property.Value);
        }

        return null;
    }

    /// <summary>Milliseconds since the Unix epoch (Jenkins, audit logs).</summary>
    public static DateTimeOffset? EpochMilliseconds(this JsonElement element, string name) =>
        element.Int64(name) is { } ms && ms > 0 && ms < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public static DateTimeOffset? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (text.EndsWith(" UTC", StringComparison.Ordinal)) text = text[..^4] + "Z";
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time)
            ? time
            : null;
    }

    /// <summary>The span between two timestamps, or null when either is missing or the end precedes the start (a trap real payloads contain).</summary>
    public static TimeSpan? Between(DateTimeOffset? start, DateTimeOffset? end) =>
        start is { } s && end is { } e && e >= s ? e - s : null;

    private static JsonElement? Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static JsonElement? Get(JsonElement element, ReadOnlySpan<byte> name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static string? AsString(JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } value => FieldLimit.Clip(value.GetString()),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } value => value.GetRawText(),
        _ => null,
    };

    private static long? AsInt64(JsonElement? element)
    {
        if (element is not { } value) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)) return number;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var real) && double.IsFinite(real)) return (long)real;
        return value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number)
            ? number
            : null;
    }

    /// <summary>A timestamp value already looked up (see <see cref="Time(JsonElement, string)"/>).</summary>
    public static DateTimeOffset? AsTime(JsonElement? element)
    {
        if (element is not { ValueKind: JsonValueKind.String } value) return null;
        // ISO 8601 with a zone is read straight from the UTF-8 bytes; anything else (no zone means UTC here, unlike
        // System.Text.Json's local time) goes through the tolerant parse.
        var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
        if (TryParseUtc(raw, out var time)) return time;
        return HasZone(raw) && value.TryGetDateTimeOffset(out time)
            ? time
            : ParseTime(value.GetString());
    }

    /// <summary>
    /// Reads the common shape <c>yyyy-MM-ddTHH:mm:ss[.fffffff]Z</c> straight from a timestamp's raw JSON text (without quotes),
    /// giving what System.Text.Json's <c>TryGetDateTimeOffset</c> gives, several times faster; false for any other text
    /// (escapes, offsets, out-of-range parts), which then takes the general path.
    /// </summary>
    internal static bool TryParseUtc(ReadOnlySpan<byte> raw, out DateTimeOffset time)
    {
        time = default;
        var fractionDigits = raw.Length - 21;
        if (raw.Length < 20 || raw[^1] != (byte)'Z' || (fractionDigits > 0 ? fractionDigits > 7 || raw[19] != (byte)'.' : raw.Length != 20)) return false;
        if (raw[4] != (byte)'-' || raw[7] != (byte)'-' || raw[10] != (byte)'T' || raw[13] != (byte)':' || raw[16] != (byte)':') return false;
        var year = Digits(raw[..4]);
        var month = Digits(raw.Slice(5, 2));
        var day = Digits(raw.Slice(8, 2));
        var hour = Digits(raw.Slice(11, 2));
        var minute = Digits(raw.Slice(14, 2));
        var second = Digits(raw.Slice(17, 2));
        var fraction = fractionDigits > 0 ? Digits(raw.Slice(20, fractionDigits)) : 0;
        if (year < 1 || month is < 1 or > 12 || day < 1 || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59 || fraction < 0) return false;
        if (day > DateTime.DaysInMonth(year, month)) return false;
        var ticks = new DateTime(year, month, day).Ticks + (((hour * 60L) + minute) * 60 + second) * TimeSpan.TicksPerSecond;
        for (var i = fractionDigits; i < 7; i++)
        {
            fraction *= 10;
        }

        time = new DateTimeOffset(ticks + fraction, TimeSpan.Zero);
        return true;
    }

    /// <summary>The number written by ASCII digits, or -1 when any byte is not a digit.</summary>
    private static int Digits(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var b in digits)
        {
            var digit = b - (byte)'0';
            if ((uint)digit > 9) return -1;
            value = (value * 10) + digit;
        }

        return value;
    }

    /// <summary>True when a timestamp's raw JSON text, without its quotes, ends in Z or a ±hh:mm offset.</summary>
    internal static bool HasZone(ReadOnlySpan<byte> raw) =>
        raw.Length > 6 && (raw[^1] == (byte)'Z' || (raw[^3] == (byte)':' && raw[^6] is (byte)'+' or (byte)'-'));
}
