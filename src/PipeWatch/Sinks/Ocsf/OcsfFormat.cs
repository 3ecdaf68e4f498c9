using System.Text.Json;
using PipeWatch.Findings;

namespace PipeWatch.Sinks.Ocsf;

/// <summary>A finding as an OCSF 1.3.0 Detection Finding (class_uid 2004): the shape of the OCSF sink and of <c>--format ocsf</c>.</summary>
/// <remarks>
/// The class's required attributes (activity_id, category_uid, class_uid, type_uid, severity_id, time, metadata with product and
/// version, finding_info with uid and title) are always set; <c>observables</c> name the entity, <c>anomaly_analyses</c> carry a
/// baseline finding's observed value and baseline, and what OCSF has no attribute for goes under <c>unmapped.pipewatch</c>.
/// </remarks>
internal static class OcsfFormat
{
    public const string SchemaVersion = "1.3.0";
    public const int ClassUid = 2004;
    public const int CategoryUid = 2;
    public const int CreateActivity = 1;

    public static void Write(Utf8JsonWriter writer, Alert alert, string productVersion)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(alert);
        var f = alert.Finding;
        writer.WriteStartObject();
        writer.WriteNumber("activity_id", CreateActivity);
        writer.WriteString("activity_name", "Create");
        writer.WriteNumber("category_uid", CategoryUid);
        writer.WriteString("category_name", "Findings");
        writer.WriteNumber("class_uid", ClassUid);
        writer.WriteString("class_name", "Detection Finding");
        writer.WriteNumber("type_uid", ClassUid * 100 + CreateActivity);
        writer.WriteString("type_name", "Detection Finding: Create");
        writer.WriteNumber("severity_id", SeverityId(f.Severity));
        writer.WriteString("severity", SeverityName(f.Severity));
        writer.WriteNumber("status_id", 1);
        writer.WriteString("status", "New");
        writer.WriteNumber("time", f.DetectedAt.ToUnixTimeMilliseconds());
        writer.WriteString("message", f.Title);
        Metadata(writer, f, productVersion);
        FindingInfo(writer, f);
        Observables(writer, f);
        if (f.Entity.Repository is { } repository)
        {
            writer.WriteStartArray("resources");
            writer.WriteStartObject();
            writer.WriteString("name", repository);
            writer.WriteString("type", "Repository");
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        if (IsBaselineFinding(f)) AnomalyAnalyses(writer, f);
        Unmapped(writer, alert);
        writer.WriteEndObject();
    }

    public static int SeverityId(Severity severity) => severity switch
    {
        Severity.Info => 1,
        Severity.Low => 2,
        Severity.Medium => 3,
        Severity.High => 4,
        _ => 5,
    };

    /// <summary>True for a finding that compares an observation with a learned baseline (its evidence names the samples or a median).</summary>
    public static bool IsBaselineFinding(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return finding.Evidence.Any(e => e.Name == "samples" || e.Name.StartsWith("median", StringComparison.Ordinal) || e.Name.StartsWith("learned", StringComparison.Ordinal));
    }

    private static string SeverityName(Severity severity) => severity switch
    {
        Severity.Info => "Informational",
        Severity.Low => "Low",
        Severity.Medium => "Medium",
        Severity.High => "High",
        _ => "Critical",
    };

    private static void Metadata(Utf8JsonWriter writer, Finding f, string productVersion)
    {
        writer.WriteStartObject("metadata");
        writer.WriteString("version", SchemaVersion);
        writer.WriteString("uid", f.Fingerprint);
        writer.WriteString("log_name", "pipewatch");
        writer.WriteStartObject("product");
        writer.WriteString("name", "PipeWatch");
        writer.WriteString("vendor_name", "PipeWatch");
        writer.WriteString("version", productVersion);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void FindingInfo(Utf8JsonWriter writer, Finding f)
    {
        writer.WriteStartObject("finding_info");
        writer.WriteString("uid", f.Fingerprint);
        writer.WriteString("title", f.Title);
        writer.WriteString("desc", f.Explanation);
        writer.WriteStartArray("types");
        writer.WriteStringValue(f.Category);
        writer.WriteEndArray();
        writer.WriteNumber("created_time", f.DetectedAt.ToUnixTimeMilliseconds());
        writer.WriteNumber("first_seen_time", f.Timestamp.ToUnixTimeMilliseconds());
        writer.WriteNumber("last_seen_time", f.Timestamp.ToUnixTimeMilliseconds());
        if (f.Location.Url is { } url) writer.WriteString("src_url", url);
        writer.WriteStartObject("analytic");
        writer.WriteString("uid", f.Rule);
        writer.WriteString("name", f.Rule);
        writer.WriteNumber("type_id", 1);
        writer.WriteString("type", "Rule");
        writer.WriteString("category", f.Category);
        writer.WriteEndObject();
        if (f.Techniques.Count > 0)
        {
            writer.WriteStartArray("attacks");
            foreach (var technique in f.Techniques)
            {
                writer.WriteStartObject();
                var dot = technique.IndexOf('.', StringComparison.Ordinal);
                writer.WriteStartObject("technique");
                writer.WriteString("uid", dot < 0 ? technique : technique[..dot]);
                writer.WriteEndObject();
                if (dot >= 0)
                {
                    writer.WriteStartObject("sub_technique");
                    writer.WriteString("uid", technique);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    // OCSF observable type_ids: 4 User Name, 6 URL String, 7 File Name, 8 Hash, 2 IP Address, 10 Resource UID, 99 Other.
    private static void Observables(Utf8JsonWriter writer, Finding f)
    {
        var observables = new List<(string Name, int Type, string TypeName, string Value)>();
        if (f.Entity.Repository is { } repository) observables.Add(("resources.name", 10, "Resource UID", repository));
        if (f.Entity.Actor is { } actor) observables.Add(("unmapped.pipewatch.entity.actor", 4, "User Name", actor));
        if (f.Entity.Target is { } target) observables.Add(("unmapped.pipewatch.entity.target", 4, "User Name", target));
        if (f.Location.Url is { } url) observables.Add(("finding_info.src_url", 6, "URL String", url));
        if (f.Location.File is { } file) observables.Add(("unmapped.pipewatch.location.file", 7, "File Name", file));
        if (f.Location.Commit is { } commit) observables.Add(("unmapped.pipewatch.location.commit", 8, "Hash", commit));
        if (f.Evidence.FirstOrDefault(e => e.Name == "ip") is { } ip && System.Net.IPAddress.TryParse(ip.Value, out _)) observables.Add(("unmapped.pipewatch.evidence.ip", 2, "IP Address", ip.Value));
        if (observables.Count == 0) return;
        writer.WriteStartArray("observables");
        foreach (var (name, type, typeName, value) in observables)
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WriteNumber("type_id", type);
            writer.WriteString("type", typeName);
            writer.WriteString("value", value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    // The observation against its baseline: evidence named for the baseline (samples, median*, learned*) and the rest as the anomaly.
    private static void AnomalyAnalyses(Utf8JsonWriter writer, Finding f)
    {
        static bool IsBaseline(Evidence e) => e.Name == "samples" || e.Name.StartsWith("median", StringComparison.Ordinal)
            || e.Name.StartsWith("learned", StringComparison.Ordinal) || e.Name.StartsWith("spread", StringComparison.Ordinal);
        writer.WriteStartArray("anomaly_analyses");
        writer.WriteStartObject();
        writer.WriteStartArray("analysis_targets");
        writer.WriteStartObject();
        writer.WriteString("name", f.Entity.ToString() is { Length: > 0 } entity ? entity : f.Entity.Actor ?? f.Rule);
        writer.WriteString("type", f.Entity.Step is not null ? "step" : f.Entity.Job is not null ? "job" : f.Entity.Pipeline is not null ? "pipeline" : "repository");
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteStartArray("anomalies");
        var observed = f.Evidence.Where(e => !IsBaseline(e)).ToList();
        foreach (var e in observed.Count > 0 ? observed : [Evidence.Of("finding", f.Title)])
        {
            writer.WriteStartObject();
            writer.WriteString("observation_parameter", e.Name);
            writer.WriteString("observed_pattern", e.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("baselines");
        foreach (var e in f.Evidence.Where(IsBaseline))
        {
            writer.WriteStartObject();
            writer.WriteString("observation_parameter", e.Name);
            writer.WriteString("observed_pattern", e.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("context", f.Explanation);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static void Unmapped(Utf8JsonWriter writer, Alert alert)
    {
        writer.WriteStartObject("unmapped");
        writer.WritePropertyName("pipewatch");
        FindingJson.Write(writer, alert.Finding);
        if (alert.Incident is { } incident)
        {
            writer.WriteStartObject("incident");
            writer.WriteString("id", incident.Id);
            writer.WriteBoolean("is_new", incident.IsNew);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
