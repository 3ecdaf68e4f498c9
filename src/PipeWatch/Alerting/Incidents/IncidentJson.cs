using System.Globalization;
using System.Text.Json;
using PipeWatch.Findings;

namespace PipeWatch.Alerting.Incidents;

/// <summary>The one JSON shape of an incident: its summary and its findings, each in the contract shape of <see cref="FindingJson"/>.</summary>
public static class IncidentJson
{
    /// <summary>Writes <c>id</c>, <c>first_seen</c>, <c>last_seen</c>, <c>severity</c>, <c>actors</c>, <c>repositories</c> and <c>findings</c> (the timeline).</summary>
    public static void Write(Utf8JsonWriter writer, Incident incident)
    {
        writer.WriteStartObject();
        writer.WriteString("id", incident.Id);
        writer.WriteString("first_seen", incident.FirstSeen.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("last_seen", incident.LastSeen.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteString("severity", incident.Severity.ToWire());
        WriteStrings(writer, "actors", incident.Actors);
        WriteStrings(writer, "repositories", incident.Repositories);
        writer.WriteStartArray("findings");
        foreach (var finding in incident.Findings)
        {
            FindingJson.Write(writer, finding);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
