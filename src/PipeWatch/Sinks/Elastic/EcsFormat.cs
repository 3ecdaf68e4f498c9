using System.Globalization;
using System.Text.Json;
using PipeWatch.Findings;

namespace PipeWatch.Sinks.Elastic;

/// <summary>A finding as an Elastic Common Schema (ECS 8.11) alert document: the shape of the Elasticsearch sink and of <c>--format ecs</c>.</summary>
/// <remarks>
/// ECS fields where ECS has one (<c>@timestamp</c>, <c>event.*</c>, <c>rule.*</c>, <c>threat.*</c>, <c>vulnerability.*</c>, <c>user.*</c>,
/// <c>source.ip</c>, <c>url.full</c>, <c>file.path</c>); what ECS has no field for goes under <c>pipewatch.*</c>, a custom namespace ECS
/// allows. Event categorization values come from ECS's allowed lists.
/// </remarks>
internal static class EcsFormat
{
    public const string Version = "8.11.0";

    public static void Write(Utf8JsonWriter writer, Alert alert, string productVersion)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(alert);
        var f = alert.Finding;
        writer.WriteStartObject();
        writer.WriteString("@timestamp", Time(f.Timestamp));
        writer.WriteString("message", f.Title);
        writer.WriteStartObject("ecs");
        writer.WriteString("version", Version);
        writer.WriteEndObject();
        writer.WriteStartObject("event");
        writer.WriteString("kind", "alert");
        Array(writer, "category", Category(f.Category));
        Array(writer, "type", [f.Category.StartsWith("threat-intel.", StringComparison.Ordinal) ? "indicator" : "info"]);
        writer.WriteNumber("severity", Score(f.Severity));
        writer.WriteNumber("risk_score", Score(f.Severity));
        writer.WriteString("created", Time(f.DetectedAt));
        writer.WriteString("id", f.Fingerprint);
        writer.WriteString("module", "pipewatch");
        writer.WriteString("dataset", "pipewatch.alerts");
        writer.WriteString("provider", "pipewatch");
        writer.WriteString("reason", f.Explanation);
        writer.WriteEndObject();
        writer.WriteStartObject("rule");
        writer.WriteString("id", f.Rule);
        writer.WriteString("name", f.Rule);
        writer.WriteString("category", f.Category);
        writer.WriteString("description", f.Title);
        writer.WriteString("ruleset", "pipewatch");
        writer.WriteEndObject();
        writer.WriteStartObject("observer");
        writer.WriteString("vendor", "PipeWatch");
        writer.WriteString("product", "PipeWatch");
        writer.WriteString("version", productVersion);
        writer.WriteString("type", "ci-cd-monitor");
        writer.WriteEndObject();
        if (f.Techniques.Count > 0) Threat(writer, f.Techniques);
        if (Vulnerability(f) is { } advisory)
        {
            writer.WriteStartObject("vulnerability");
            writer.WriteString("id", advisory);
            writer.WriteString("description", f.Title);
            writer.WriteStartArray("category");
            writer.WriteStringValue("package");
            writer.WriteEndArray();
            writer.WriteStartObject("scanner");
            writer.WriteString("vendor", "PipeWatch");
            writer.WriteEndObject();
            writer.WriteString("severity", SeverityName(f.Severity));
            writer.WriteEndObject();
        }

        if (f.Entity.Actor is not null || f.Entity.Target is not null)
        {
            writer.WriteStartObject("user");
            if (f.Entity.Actor is { } actor) writer.WriteString("name", actor);
            if (f.Entity.Target is { } target)
            {
                writer.WriteStartObject("target");
                writer.WriteString("name", target);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        if (Evidence(f, "ip") is { } ip && System.Net.IPAddress.TryParse(ip, out _))
        {
            writer.WriteStartObject("source");
            writer.WriteString("ip", ip);
            writer.WriteEndObject();
        }

        if (f.Location.Url is { } url)
        {
            writer.WriteStartObject("url");
            writer.WriteString("full", url);
            writer.WriteEndObject();
        }

        if (f.Location.File is { } file)
        {
            writer.WriteStartObject("file");
            writer.WriteString("path", file);
            writer.WriteEndObject();
        }

        writer.WriteStartArray("tags");
        writer.WriteStringValue("pipewatch");
        writer.WriteStringValue(f.Category);
        writer.WriteEndArray();
        Custom(writer, alert);
        writer.WriteEndObject();
    }

    /// <summary>ECS <c>event.severity</c> and <c>event.risk_score</c>: the 0–100 scale of Elastic's detection rules.</summary>
    public static int Score(Severity severity) => severity switch
    {
        Severity.Info => 1,
        Severity.Low => 21,
        Severity.Medium => 47,
        Severity.High => 73,
        _ => 99,
    };

    /// <summary>ECS <c>event.category</c> values (from ECS's allowed list) for a PipeWatch category.</summary>
    public static string[] Category(string category) => category switch
    {
        Categories.SuspiciousLogin => ["authentication"],
        _ when category.StartsWith("access.", StringComparison.Ordinal) => ["iam"],
        Categories.KnownVulnerability or Categories.CiInfrastructureVulnerability => ["vulnerability"],
        _ when category.StartsWith("dependency.", StringComparison.Ordinal) => ["package"],
        _ when category.StartsWith("threat-intel.", StringComparison.Ordinal) => ["threat"],
        _ when category.StartsWith("network.", StringComparison.Ordinal) => ["network"],
        Categories.PipelineTampering => ["configuration"],
        _ => ["intrusion_detection"],
    };

    private static string SeverityName(Severity severity) => severity switch
    {
        Severity.Info or Severity.Low => "Low",
        Severity.Medium => "Medium",
        Severity.High => "High",
        _ => "Critical",
    };

    private static string? Vulnerability(Finding f) =>
        f.Category is Categories.KnownVulnerability or Categories.CiInfrastructureVulnerability ? Evidence(f, "advisory") ?? Evidence(f, "cve") : null;

    private static string? Evidence(Finding f, string name) => f.Evidence.FirstOrDefault(e => e.Name == name)?.Value;

    private static void Threat(Utf8JsonWriter writer, IReadOnlyList<string> techniques)
    {
        writer.WriteStartObject("threat");
        writer.WriteString("framework", "MITRE ATT&CK");
        writer.WriteStartObject("technique");
        Array(writer, "id", [.. techniques.Select(t => t.Split('.')[0]).Distinct(StringComparer.Ordinal)]);
        var subs = techniques.Where(t => t.Contains('.', StringComparison.Ordinal)).ToArray();
        if (subs.Length > 0)
        {
            writer.WriteStartObject("subtechnique");
            Array(writer, "id", subs);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    // What ECS has no field for: the CI entity, the location in the repository, the evidence, the incident.
    private static void Custom(Utf8JsonWriter writer, Alert alert)
    {
        var f = alert.Finding;
        writer.WriteStartObject("pipewatch");
        writer.WriteString("severity", f.Severity.ToWire());
        writer.WriteString("fingerprint", f.Fingerprint);
        writer.WriteStartObject("entity");
        Optional(writer, "repository", f.Entity.Repository);
        Optional(writer, "pipeline", f.Entity.Pipeline);
        Optional(writer, "job", f.Entity.Job);
        Optional(writer, "step", f.Entity.Step);
        Optional(writer, "environment", f.Entity.Environment);
        writer.WriteEndObject();
        writer.WriteStartObject("location");
        Optional(writer, "run_id", f.Location.RunId);
        if (f.Location.Line is { } line) writer.WriteNumber("line", line);
        Optional(writer, "commit", f.Location.Commit);
        writer.WriteEndObject();
        writer.WriteStartArray("evidence");
        foreach (var e in f.Evidence)
        {
            writer.WriteStartObject();
            writer.WriteString("name", e.Name);
            writer.WriteString("value", e.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (alert.Incident is { } incident)
        {
            writer.WriteStartObject("incident");
            writer.WriteString("id", incident.Id);
            writer.WriteBoolean("is_new", incident.IsNew);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void Array(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values) writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }

    internal static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
