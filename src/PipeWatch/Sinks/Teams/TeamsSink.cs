using System.Text.Json;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.Teams;

/// <summary>Microsoft Teams through a Workflows webhook: one Adaptive Card (1.4) per batch, in the <c>message</c> envelope the flow's trigger expects.</summary>
/// <remarks>Office 365 connectors (MessageCard) are retired; the Workflows trigger takes <c>{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{…}}]}</c> and answers 202.</remarks>
internal sealed class TeamsSink(TeamsSinkOptions options, AlertRoute route, RouteContext context)
    : JsonWebhookTransport((options ?? throw new ArgumentNullException(nameof(options))).Url, route, context)
{
    public const string CardVersion = "1.4";

    protected override byte[] Body(IReadOnlyList<Alert> batch, string? publicUrl) => Message(batch, publicUrl);

    public static byte[] Message(IReadOnlyList<Alert> alerts, string? publicUrl)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("type", "message");
            w.WriteStartArray("attachments");
            w.WriteStartObject();
            w.WriteString("contentType", "application/vnd.microsoft.card.adaptive");
            w.WriteNull("contentUrl");
            w.WriteStartObject("content");
            w.WriteString("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
            w.WriteString("type", "AdaptiveCard");
            w.WriteString("version", CardVersion);
            w.WriteStartArray("body");
            if (alerts.Count == 1) Single(w, alerts[0]);
            else Digest(w, alerts);
            w.WriteEndArray();
            if (alerts.Count == 1 && AlertText.DashboardLink(publicUrl, alerts[0].Finding) is { } link)
            {
                w.WriteStartArray("actions");
                w.WriteStartObject();
                w.WriteString("type", "Action.OpenUrl");
                w.WriteString("title", "Open in PipeWatch");
                w.WriteString("url", link);
                w.WriteEndObject();
                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void Single(Utf8JsonWriter w, Alert alert)
    {
        var f = alert.Finding;
        var update = alert.Incident is { IsNew: false } joined ? $"Update to incident {joined.Id}: " : "";
        Text(w, $"{update}{AlertText.Headline(f)}", heading: true, f.Severity >= Findings.Severity.High ? "Attention" : f.Severity == Findings.Severity.Medium ? "Warning" : "Default");
        Text(w, f.Explanation);
        w.WriteStartObject();
        w.WriteString("type", "FactSet");
        w.WriteStartArray("facts");
        Fact(w, "Severity", AlertText.Severity(f.Severity));
        Fact(w, "Rule", f.Rule);
        Fact(w, "Category", f.Category);
        if (AlertText.Entity(f.Entity) is { } entity) Fact(w, "Entity", entity);
        if (AlertText.Location(f.Location) is { } location) Fact(w, "Location", location);
        if (alert.Incident is { } incident) Fact(w, "Incident", incident.Id);
        Fact(w, "Fingerprint", f.Fingerprint);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Digest(Utf8JsonWriter w, IReadOnlyList<Alert> alerts)
    {
        Text(w, AlertText.DigestHeading(alerts), heading: true);
        foreach (var alert in alerts.Take(AlertText.DigestItems))
        {
            var entity = AlertText.Entity(alert.Finding.Entity) is { } e ? $" ({e})" : "";
            Text(w, $"{AlertText.Headline(alert.Finding)}{entity}");
        }

        if (alerts.Count > AlertText.DigestItems) Text(w, $"and {alerts.Count - AlertText.DigestItems} more: 'pipewatch findings' lists every one");
    }

    private static void Text(Utf8JsonWriter w, string text, bool heading = false, string? color = null)
    {
        w.WriteStartObject();
        w.WriteString("type", "TextBlock");
        w.WriteString("text", AlertText.Cut(text, 4_000));
        w.WriteBoolean("wrap", true);
        if (heading)
        {
            w.WriteString("weight", "Bolder");
            w.WriteString("size", "Medium");
        }

        if (color is not null) w.WriteString("color", color);
        w.WriteEndObject();
    }

    private static void Fact(Utf8JsonWriter w, string title, string value)
    {
        w.WriteStartObject();
        w.WriteString("title", title);
        w.WriteString("value", AlertText.Cut(value, 1_000));
        w.WriteEndObject();
    }
}
