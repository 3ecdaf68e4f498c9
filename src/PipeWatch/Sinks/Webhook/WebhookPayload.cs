using System.Globalization;
using System.Text.Json;
using PipeWatch.Findings;

namespace PipeWatch.Sinks.Webhook;

/// <summary>The generic webhook's body, version 1: <c>{"version":1,"source":"pipewatch","route":…,"sent_at":…,"alerts":[{"delivery_id":…,"finding":{…},"incident":{…}}]}</c>.</summary>
/// <remarks>
/// Each <c>finding</c> is the JSON Lines shape of <see cref="FindingJson"/>; <c>incident</c> is present when the finding joined one.
/// <c>delivery_id</c> is the same every time the route sends that alert (a retry, a resend after a restart): a receiver drops what it
/// has seen. Fields are added, never renamed, within a version.
/// </remarks>
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
                WriteAlert(writer, alert, DeliveryId(route, alert));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>An alert's delivery id on a route: 32 hex digits of SHA-256 over the route's name and the finding's fingerprint.</summary>
    public static string DeliveryId(string route, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{route}\n{alert.Finding.Fingerprint}")))[..32];
    }

    /// <summary>A batch's delivery id (the <c>X-PipeWatch-Delivery</c> header): the same for the same alerts on the same route.</summary>
    public static string BatchId(string route, IReadOnlyList<Alert> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        return alerts.Count == 1 ? DeliveryId(route, alerts[0])
            : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', alerts.Select(a => DeliveryId(route, a))))))[..32];
    }

    /// <summary>One alert: <c>{"delivery_id":…,"finding":{…},"incident":{"id":…,"is_new":…}}</c> (the id only when given).</summary>
    public static void WriteAlert(Utf8JsonWriter writer, Alert alert, string? deliveryId = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(alert);
        writer.WriteStartObject();
        if (deliveryId is not null) writer.WriteString("delivery_id", deliveryId);
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
