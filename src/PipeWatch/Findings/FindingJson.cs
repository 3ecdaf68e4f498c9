using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Findings;

/// <summary>The one JSON shape of a finding: written by the JSON Lines sink and the store, read back by the store.</summary>
internal static class FindingJson
{
    /// <summary>Writes the finding as one JSON object with the contract fields of DESIGN.md.</summary>
    public static void Write(Utf8JsonWriter writer, Finding finding)
    {
        writer.WriteStartObject();
        writer.WriteString("rule", finding.Rule);
        writer.WriteString("category", finding.Category);
        writer.WriteString("severity", finding.Severity.ToWire());
        writer.WriteString("title", finding.Title);
        writer.WriteString("explanation", finding.Explanation);
        writer.WriteStartObject("entity");
        WriteOptional(writer, "repository", finding.Entity.Repository);
        WriteOptional(writer, "pipeline", finding.Entity.Pipeline);
        WriteOptional(writer, "job", finding.Entity.Job);
        WriteOptional(writer, "step", finding.Entity.Step);
        WriteOptional(writer, "actor", finding.Entity.Actor);
        WriteOptional(writer, "environment", finding.Entity.Environment);
        WriteOptional(writer, "target", finding.Entity.Target);
        writer.WriteEndObject();
        writer.WriteStartObject("location");
        WriteOptional(writer, "run_id", finding.Location.RunId);
        WriteOptional(writer, "file", finding.Location.File);
        if (finding.Location.Line is { } line) writer.WriteNumber("line", line);
        WriteOptional(writer, "commit", finding.Location.Commit);
        WriteOptional(writer, "url", finding.Location.Url);
        writer.WriteEndObject();
        writer.WriteStartArray("evidence");
        foreach (var evidence in finding.Evidence)
        {
            writer.WriteStartObject();
            writer.WriteString("name", evidence.Name);
            writer.WriteString("value", evidence.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("techniques");
        foreach (var technique in finding.Techniques)
        {
            writer.WriteStringValue(technique);
        }

        writer.WriteEndArray();
        writer.WriteString("timestamp", finding.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("detected_at", finding.DetectedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("fingerprint", finding.Fingerprint);
        writer.WriteEndObject();
    }

    /// <summary>Reads a finding written by <see cref="Write"/>.</summary>
    public static Finding Read(JsonElement json)
    {
        var entity = json.GetProperty("entity");
        var location = json.GetProperty("location");
        SeverityNames.TryParse(json.GetProperty("severity").GetString(), out var severity);
        return new Finding
        {
            Rule = json.GetProperty("rule").GetString()!,
            Category = json.GetProperty("category").GetString()!,
            Severity = severity,
            Title = json.GetProperty("title").GetString()!,
            Explanation = json.GetProperty("explanation").GetString()!,
            Entity = new Entity(
                Optional(entity, "repository"),
                Optional(entity, "pipeline"),
                Optional(entity, "job"),
                Optional(entity, "step"),
                Optional(entity, "actor"),
                Optional(entity, "environment"),
                Optional(entity, "target")),
            Location = new Location(
                Optional(location, "run_id"),
                Optional(location, "file"),
                location.TryGetProperty("line", out var line) ? line.GetInt32() : null,
                Optional(location, "commit"),
                Optional(location, "url")),
            Evidence = [.. json.GetProperty("evidence").EnumerateArray()
                .Select(e => Evidence.FromStore(e.GetProperty("name").GetString()!, e.GetProperty("value").GetString()!))],
            Techniques = [.. json.GetProperty("techniques").EnumerateArray().Select(t => t.GetString()!)],
            Timestamp = DateTimeOffset.Parse(json.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture),
            DetectedAt = DateTimeOffset.Parse(json.GetProperty("detected_at").GetString()!, CultureInfo.InvariantCulture),
            Fingerprint = json.GetProperty("fingerprint").GetString()!,
        };
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }

    private static string? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
