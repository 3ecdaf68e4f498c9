using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace PipeWatch.Sources;

/// <summary>Tolerant readers for payload fields: a missing, null or mistyped field reads as null, never throws.</summary>
/// <remarks>Each reader takes the name as a string or, on hot paths, as UTF-8 bytes (<c>"name"u8</c>), which skips transcoding.</remarks>
public static class JsonFields
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
        { ValueKind: JsonValueKind.String } value => value.GetString(),
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
        return HasZone(JsonMarshal.GetRawUtf8Value(value)) && value.TryGetDateTimeOffset(out var time)
            ? time
            : ParseTime(value.GetString());
    }

    /// <summary>True when a quoted timestamp ends in Z or a ±hh:mm offset.</summary>
    private static bool HasZone(ReadOnlySpan<byte> quoted) =>
        quoted.Length > 8 && (quoted[^2] == (byte)'Z' || (quoted[^4] == (byte)':' && quoted[^7] is (byte)'+' or (byte)'-'));
}
