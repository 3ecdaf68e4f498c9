using System.Globalization;
using System.Text.Json;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Findings;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>Reads one OSV record (ossf/osv-schema) into an <see cref="Advisory"/>; null with a reason when it is not one.</summary>
internal static class OsvRecord
{
    public static Advisory? Read(JsonElement record, out string? reason)
    {
        // An advisory saved from GitHub's REST API has its own shape.
        if (GhsaRestRecord.Is(record)) return GhsaRestRecord.Read(record, out reason);
        reason = null;
        if (record.ValueKind != JsonValueKind.Object || record.String("id") is not { Length: > 0 } id)
        {
            reason = "not an OSV record (no 'id')";
            return null;
        }

        var affected = new List<AffectedPackage>();
        if (record.TryGetProperty("affected", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in list.EnumerateArray())
            {
                if (entry.Object("package") is not { } package || package.String("ecosystem") is not { } ecosystem || package.String("name") is not { } name) continue;
                var ranges = new List<AffectedRange>();
                if (entry.TryGetProperty("ranges", out var rs) && rs.ValueKind == JsonValueKind.Array)
                {
                    foreach (var range in rs.EnumerateArray())
                    {
                        var type = range.String("type") ?? "";
                        if (type is not ("SEMVER" or "ECOSYSTEM")) continue;
                        ranges.Add(new AffectedRange(type, Events(range)));
                    }
                }

                var versions = entry.TryGetProperty("versions", out var vs) && vs.ValueKind == JsonValueKind.Array
                    ? vs.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray()
                    : [];
                affected.Add(new AffectedPackage(ecosystem, name, ranges, versions));
            }
        }

        var (severity, vector, score) = Rate(record);
        return new Advisory(
            id,
            // Distributions' records name the CVE they track as 'upstream' (schema 1.6), not as an alias.
            [.. Strings(record, "aliases").Concat(Strings(record, "upstream")).Distinct(StringComparer.Ordinal)],
            record.String("summary") ?? FirstLine(record.String("details")) ?? "",
            DateTimeOffset.TryParse(record.String("modified"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified : null,
            severity,
            vector,
            score,
            record.String("withdrawn") is { Length: > 0 },
            affected)
        {
            Published = DateTimeOffset.TryParse(record.String("published"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var published) ? published : null,
        };
    }

    private static IEnumerable<string> Strings(JsonElement record, string name) =>
        record.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!)
            : [];

    private static List<RangeEvent> Events(JsonElement range)
    {
        var events = new List<RangeEvent>();
        if (!range.TryGetProperty("events", out var es) || es.ValueKind != JsonValueKind.Array) return events;
        foreach (var e in es.EnumerateArray())
        {
            if (e.String("introduced") is { } i) events.Add(new RangeEvent(RangeEventKind.Introduced, i));
            else if (e.String("fixed") is { } f) events.Add(new RangeEvent(RangeEventKind.Fixed, f));
            else if (e.String("last_affected") is { } l) events.Add(new RangeEvent(RangeEventKind.LastAffected, l));
            else if (e.String("limit") is { } m) events.Add(new RangeEvent(RangeEventKind.Limit, m));
        }

        return events;
    }

    /// <summary>The record's rating: GitHub's <c>database_specific.severity</c> when given, else the band of its CVSS v3 score.</summary>
    private static (Severity, string?, double?) Rate(JsonElement record)
    {
        string? vector = null;
        double? score = null;
        if (record.TryGetProperty("severity", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in list.EnumerateArray())
            {
                if (s.String("score") is not { } v) continue;
                var computed = Cvss.BaseScore(v);
                // Prefer a vector whose score can be computed (v3) over one that cannot (v2, v4).
                if (vector is null || (score is null && computed is not null))
                {
                    vector = v;
                    score = computed;
                }
            }
        }

        var named = record.Object("database_specific")?.String("severity")?.ToUpperInvariant() switch
        {
            "CRITICAL" => Severity.Critical,
            "HIGH" => Severity.High,
            "MODERATE" or "MEDIUM" => Severity.Medium,
            "LOW" => Severity.Low,
            _ => (Severity?)null,
        };
        return (named ?? (score is { } s3 ? Cvss.Band(s3) : Severity.Medium), vector, score);
    }

    private static string? FirstLine(string? text) => text?.Split('\n', 2)[0].Trim();
}
