using System.Globalization;
using System.Text.Json;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Findings;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>
/// Reads one advisory in the shape of GitHub's REST API (<c>GET /advisories</c>, <c>GET /advisories/{ghsa_id}</c>, what
/// <c>gh api /advisories</c> saves) into an <see cref="Advisory"/>: <c>ghsa_id</c>, <c>cve_id</c>, <c>severity</c>,
/// <c>withdrawn_at</c>, and per vulnerable package a <c>vulnerable_version_range</c> such as <c>"&gt;= 1.0.0, &lt; 1.0.3"</c>
/// turned into OSV range events. The GitHub Advisory Database repository itself holds OSV records (<see cref="OsvRecord"/>).
/// </summary>
internal static class GhsaRestRecord
{
    /// <summary>True when <paramref name="record"/> looks like a REST advisory rather than an OSV record.</summary>
    public static bool Is(JsonElement record) =>
        record.ValueKind == JsonValueKind.Object && record.TryGetProperty("ghsa_id", out _) && !record.TryGetProperty("id", out _);

    public static Advisory? Read(JsonElement record, out string? reason)
    {
        reason = null;
        if (record.String("ghsa_id") is not { Length: > 0 } id)
        {
            reason = "not a GitHub advisory (no 'ghsa_id')";
            return null;
        }

        var affected = new List<AffectedPackage>();
        var skipped = new List<string>();
        if (record.TryGetProperty("vulnerabilities", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var vulnerability in list.EnumerateArray())
            {
                if (vulnerability.Object("package") is not { } package || package.String("name") is not { Length: > 0 } name) continue;
                var ecosystem = Ecosystem(package.String("ecosystem"));
                if (ecosystem is null)
                {
                    skipped.Add(package.String("ecosystem") ?? "(none)");
                    continue;
                }

                var patched = vulnerability.TryGetProperty("first_patched_version", out var p)
                    ? p.ValueKind == JsonValueKind.String ? p.GetString() : p.ValueKind == JsonValueKind.Object ? p.String("identifier") : null
                    : null;
                if (Range(vulnerability.String("vulnerable_version_range"), patched) is not { } range)
                {
                    reason = $"{id}: cannot read the version range '{vulnerability.String("vulnerable_version_range")}' of {name}";
                    return null;
                }

                IReadOnlyList<AffectedRange> ranges = range.Exact is null ? [new AffectedRange("ECOSYSTEM", range.Events)] : [];
                IReadOnlyList<string> versions = range.Exact is { } exact ? [exact] : [];
                affected.Add(new AffectedPackage(ecosystem, name, ranges, versions));
            }
        }

        if (affected.Count == 0 && skipped.Count > 0)
        {
            reason = $"{id}: no package in an ecosystem PipeWatch matches ({string.Join(", ", skipped.Distinct(StringComparer.Ordinal))})";
            return null;
        }

        var aliases = new List<string>();
        if (record.String("cve_id") is { Length: > 0 } cve) aliases.Add(cve);
        if (record.TryGetProperty("identifiers", out var identifiers) && identifiers.ValueKind == JsonValueKind.Array)
        {
            aliases.AddRange(identifiers.EnumerateArray()
                .Select(i => i.String("value"))
                .OfType<string>()
                .Where(v => v.Length > 0 && v != id && !aliases.Contains(v, StringComparer.Ordinal)));
        }

        var vector = record.Object("cvss")?.String("vector_string");
        var score = vector is null ? null : Cvss.BaseScore(vector);
        var severity = record.String("severity")?.ToUpperInvariant() switch
        {
            "CRITICAL" => Severity.Critical,
            "HIGH" => Severity.High,
            "MODERATE" or "MEDIUM" => Severity.Medium,
            "LOW" => Severity.Low,
            _ => score is { } s ? Cvss.Band(s) : Severity.Medium,
        };
        return new Advisory(
            id,
            aliases,
            record.String("summary") ?? "",
            DateTimeOffset.TryParse(record.String("updated_at"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified : null,
            severity,
            vector,
            score,
            record.String("withdrawn_at") is { Length: > 0 },
            affected);
    }

    /// <summary>The OSV ecosystem of a REST API ecosystem name (lower case there), or null when PipeWatch has no such ecosystem.</summary>
    internal static string? Ecosystem(string? rest) => rest?.ToLowerInvariant() switch
    {
        "npm" => "npm",
        "pip" => "PyPI",
        "maven" => "Maven",
        "nuget" => "NuGet",
        "rubygems" => "RubyGems",
        "composer" => "Packagist",
        "go" => "Go",
        "rust" => "crates.io",
        "erlang" => "Hex",
        "pub" => "Pub",
        "swift" => "SwiftURL",
        "actions" => "GitHub Actions",
        _ => null,
    };

    /// <summary>
    /// A range as the REST API writes it (comparisons joined by commas: <c>&gt;= 2.0.0, &lt; 2.3.1</c>, <c>&lt;= 1.4</c>,
    /// <c>= 1.0.0</c>) as OSV events; an exact version is a version, not a range. Null when a part cannot be read.
    /// </summary>
    internal static (List<RangeEvent> Events, string? Exact)? Range(string? text, string? firstPatched)
    {
        string? introduced = null, fixedAt = null, lastAffected = null, exact = null;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var op = new string([.. part.TakeWhile(c => c is '<' or '>' or '=')]);
            var version = part[op.Length..].Trim();
            if (version.Length == 0) return null;
            switch (op)
            {
                // OSV has no exclusive lower bound; "> X" starts at X, which can only add X itself to what is affected.
                case ">=" or ">": introduced = version; break;
                case "<": fixedAt = version; break;
                case "<=": lastAffected = version; break;
                case "=": exact = version; break;
                // A bare version is an exact one; anything else (~>, ^, ||) is not what the API writes.
                case "" when char.IsAsciiLetterOrDigit(version[0]) && !version.Contains(' ', StringComparison.Ordinal): exact = version; break;
                default: return null;
            }
        }

        if (exact is not null) return ([], exact);
        // No upper bound written: the first patched version is where it ends, when the API gives one.
        if (fixedAt is null && lastAffected is null && firstPatched is { Length: > 0 }) fixedAt = firstPatched;
        var events = new List<RangeEvent> { new(RangeEventKind.Introduced, introduced ?? "0") };
        if (fixedAt is not null) events.Add(new RangeEvent(RangeEventKind.Fixed, fixedAt));
        else if (lastAffected is not null) events.Add(new RangeEvent(RangeEventKind.LastAffected, lastAffected));
        return (events, null);
    }
}
