using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Intel.Feeds;

/// <summary>
/// ThreatFox exports: the CSV (<c>first_seen_utc, ioc_id, ioc_value, ioc_type, threat_type, fk_malware, malware_alias,
/// malware_printable, last_seen_utc, confidence_level, reference, tags, anonymous, reporter</c>), the JSON export (ids mapping to
/// arrays of IOCs) and an API answer (<c>{"query_status":"ok","data":[…]}</c>).
/// </summary>
/// <remarks><c>ip:port</c> values keep their address; hash types other than MD5, SHA-1 and SHA-256 are counted as skipped.</remarks>
internal static class ThreatFoxFeed
{
    public const string CsvFormat = "threatfox-csv";
    public const string JsonFormat = "threatfox-json";

    public static bool Recognizes(CsvTable table) => table.Has("ioc_value") && table.Has("ioc_type");

    public static bool Recognizes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("query_status", out _)
            || root.EnumerateObject().FirstOrDefault() is { Value.ValueKind: JsonValueKind.Array } first && first.Value.GetArrayLength() > 0 && first.Value[0].ValueKind == JsonValueKind.Object && first.Value[0].TryGetProperty("ioc_value", out _));

    public static void Row(CsvTable table, IReadOnlyList<string> row, int line, FeedReading reading) =>
        Add(
            reading,
            $"line {line.ToString(CultureInfo.InvariantCulture)}",
            line,
            table.Field(row, "ioc_value"),
            table.Field(row, "ioc_type"),
            table.Field(row, "threat_type"),
            table.Field(row, "malware_printable"),
            table.Field(row, "confidence_level"),
            table.Field(row, "first_seen_utc"),
            table.Field(row, "last_seen_utc"),
            CsvTable.Tags(table.Field(row, "tags")),
            table.Field(row, "ioc_id"));

    public static void Read(JsonElement root, FeedReading reading)
    {
        if (root.TryGetProperty("query_status", out var status))
        {
            if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var ioc in data.EnumerateArray()) Json(ioc, $"data[{i++}]", reading, "ioc", "first_seen", "last_seen", "id");
            }
            else
            {
                reading.Problem($"ThreatFox answer without data (query_status '{(status.ValueKind == JsonValueKind.String ? status.GetString() : status.ToString())}')");
            }

            return;
        }

        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Array)
            {
                reading.Problem($"'{entry.Name}': not an array of IOCs");
                continue;
            }

            foreach (var ioc in entry.Value.EnumerateArray()) Json(ioc, entry.Name, reading, "ioc_value", "first_seen_utc", "last_seen_utc", null, entry.Name);
        }
    }

    private static void Json(JsonElement ioc, string where, FeedReading reading, string valueName, string firstName, string lastName, string? idName, string? id = null)
    {
        if (ioc.ValueKind != JsonValueKind.Object)
        {
            reading.Problem($"{where}: not an object");
            return;
        }

        var tags = ioc.TryGetProperty("tags", out var t) ? t.ValueKind switch
        {
            JsonValueKind.Array => t.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!),
            JsonValueKind.String => CsvTable.Tags(t.GetString()),
            _ => [],
        } : [];
        Add(reading, where, null, Text(ioc, valueName), Text(ioc, "ioc_type"), Text(ioc, "threat_type"), Text(ioc, "malware_printable"),
            Text(ioc, "confidence_level"), Text(ioc, firstName), Text(ioc, lastName), tags, idName is null ? id : Text(ioc, idName));
    }

    private static void Add(
        FeedReading reading, string where, int? line, string? value, string? type, string? threat, string? malware, string? confidence,
        string? first, string? last, IEnumerable<string> tags, string? id)
    {
        if (value is null || type is null)
        {
            reading.Problem($"{where}: an IOC without a value or type", line);
            return;
        }

        var kind = type switch
        {
            "ip:port" => IndicatorKind.Ip,
            "domain" => IndicatorKind.Domain,
            "url" => IndicatorKind.Url,
            "md5_hash" => IndicatorKind.Md5,
            "sha1_hash" => IndicatorKind.Sha1,
            "sha256_hash" => IndicatorKind.Sha256,
            _ => (IndicatorKind?)null,
        };
        if (kind is not { } k)
        {
            reading.Skip($"ThreatFox IOC of type '{type}'");
            return;
        }

        var raw = k == IndicatorKind.Ip && value.LastIndexOf(':') is var colon and > 0 && value.IndexOf(':') == colon ? value[..colon] : value;
        if (IndicatorValues.Normalize(k, raw) is not { } normal)
        {
            reading.Problem($"{where}: '{UrlhausCsvFeed.Clip(value)}' is not a valid {type}", line);
            return;
        }

        reading.Add(new Indicator(k, normal, reading.Feed)
        {
            Description = $"ThreatFox: {threat ?? "IOC"}{(malware is null ? "" : $" of {malware}")}",
            Confidence = int.TryParse(confidence, NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? Math.Clamp(c, 0, 100) : null,
            FirstSeen = CsvTable.Time(first),
            LastSeen = CsvTable.Time(last) ?? CsvTable.Time(first),
            Labels = [.. new[] { threat }.OfType<string>().Concat(tags).Distinct(StringComparer.Ordinal)],
            Reference = id,
        });
    }

    private static string? Text(JsonElement element, string name) => element.TryGetProperty(name, out var v) ? v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() is { Length: > 0 } s ? s : null,
        JsonValueKind.Number => v.GetRawText(),
        _ => null,
    } : null;
}
