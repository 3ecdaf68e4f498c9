using System.Globalization;
using System.Text.Json;
using PipeWatch.Findings;

namespace PipeWatch.Sinks.Webhook;

/// <summary>The generic webhook's body, version 1: <c>{"version":1,"source":"pipewatch","route":…,"sent_at":…,"alerts":[{"finding":{…},"incident":{…}}]}</c>.</summary>
/// <remarks>Each <c>finding</c> is the JSON Lines shape of <see cref="FindingJson"/>; <c>incident</c> is present when the finding joined one. Fields are added, never renamed, within a version.</remarks>
internal static class WebhookPayload
{
    public const int Version = 1;

    public static byte[] Write(string route, IReadOnlyList<Alert> alerts, DateTimeOffset sentAt)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", Version);
            writer.WriteString("source", "pipewatch");
            writer.WriteString("route", route);
            writer.WriteString("sent_at", sentAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteStartArray("alerts");
            foreach (var alert in alerts)
            {
                WriteAlert(writer, alert);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>One alert: <c>{"finding":{…},"incident":{"id":…,"is_new":…}}</c>.</summary>
    public static void WriteAlert(Utf8JsonWriter writer, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(alert);
        writer.WriteStartObject();
        writer.WritePropertyName("finding");
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
