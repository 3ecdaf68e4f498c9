using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace PipeWatch.Sources;

/// <summary>What the audit-log formats share: loose timestamps, ids for records without one, the marker for records without a time.</summary>
internal static class AuditRecords
{
    /// <summary>
    /// The <see cref="Events.Event.Timestamp"/> of a record that carries no time at all (some exported samples, and webhooks
    /// such as <c>membership</c> that have no delivery time in the body); such events also carry <see cref="TimestampMissingField"/>.
    /// </summary>
    public static readonly DateTimeOffset MissingTimestamp = DateTimeOffset.UnixEpoch;

    /// <summary>Set to <c>true</c> in <see cref="Events.Event.Fields"/> when the record had no time and <see cref="MissingTimestamp"/> stands in.</summary>
    public const string TimestampMissingField = "event.timestamp_missing";

    /// <summary>A property of an object, whatever its kind; null when absent or when the element is not an object.</summary>
    public static JsonElement? Property(JsonElement element, ReadOnlySpan<byte> name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    /// <summary><paramref name="prefix"/> and 16 hex characters of XxHash3 over the element's raw JSON: stable for the same bytes.</summary>
    public static string HashId(string prefix, JsonElement element) =>
        prefix + XxHash3.HashToUInt64(JsonMarshal.GetRawUtf8Value(element)).ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// A time as audit exports write it: epoch milliseconds (a number, or digits in a string), ISO 8601, or
    /// "2022-12-11 05:17:28.078" with up to nine fraction digits and no zone (UTC).
    /// </summary>
    public static DateTimeOffset? Time(JsonElement? value)
    {
        switch (value)
        {
            case { ValueKind: JsonValueKind.Number } number:
                return number.TryGetDouble(out var ms) ? FromEpochMilliseconds(ms) : null;
            case { ValueKind: JsonValueKind.String } text:
                var s = text.GetString();
                if (string.IsNullOrWhiteSpace(s)) return null;
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) return FromEpochMilliseconds(parsed);
                return JsonFields.AsTime(text) ?? JsonFields.ParseTime(Normalize(s));
            default:
                return null;
        }
    }

    internal static DateTimeOffset? FromEpochMilliseconds(double ms) =>
        double.IsFinite(ms) && ms > 0 && ms < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;

    /// <summary>"2024-03-13 22:36:27.788000000" → "2024-03-13T22:36:27.7880000"; "2024-12-17 00:00:00000000" → "2024-12-17T00:00:00.0000000".</summary>
    internal static string Normalize(string text)
    {
        text = text.Trim();
        if (text.Length < 19 || text[10] is not (' ' or 'T') || text[13] != ':' || text[16] != ':') return text;
        var head = string.Concat(text.AsSpan(0, 10), "T", text.AsSpan(11, 8));
        var rest = text.AsSpan(19);
        if (!rest.IsEmpty && rest[0] == '.') rest = rest[1..];
        var digits = 0;
        while (digits < rest.Length && char.IsAsciiDigit(rest[digits])) digits++;
        var fraction = rest[..Math.Min(digits, 7)];
        var zone = rest[digits..];
        return fraction.IsEmpty ? string.Concat(head, zone) : string.Concat(head, ".", fraction.ToString(), zone.ToString());
    }
}
