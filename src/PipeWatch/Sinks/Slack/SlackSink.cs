using System.Text.Json;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.Slack;

/// <summary>Slack through an incoming webhook: one Block Kit message per batch (one alert in full, several as a digest).</summary>
/// <remarks>
/// Every text from a finding is escaped for Slack's mrkdwn (<c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>), so a title from attacker-controlled
/// input cannot mention <c>&lt;!channel&gt;</c> or forge a link. Block texts are cut to Slack's limits (header 150, section 3,000).
/// </remarks>
internal sealed class SlackSink(SlackSinkOptions options, AlertRoute route, RouteContext context)
    : JsonWebhookTransport((options ?? throw new ArgumentNullException(nameof(options))).Url, route, context)
{
    protected override byte[] Body(IReadOnlyList<Alert> batch, string? publicUrl) => Message(batch, publicUrl);

    /// <summary>The message body: <c>text</c> (the notification's fallback) and <c>blocks</c>.</summary>
    public static byte[] Message(IReadOnlyList<Alert> alerts, string? publicUrl)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            if (alerts.Count == 1) Single(w, alerts[0], publicUrl);
            else Digest(w, alerts);
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void Single(Utf8JsonWriter w, Alert alert, string? publicUrl)
    {
        var f = alert.Finding;
        var update = alert.Incident is { IsNew: false } joined ? $"Update to incident {joined.Id}: " : "";
        w.WriteString("text", AlertText.Cut(Escape(update + AlertText.Headline(f)), 3_000));
        w.WriteStartArray("blocks");
        Header(w, $"{update}{AlertText.Severity(f.Severity)}: {f.Title}");
        Section(w, Escape(f.Explanation));
        w.WriteStartObject();
        w.WriteString("type", "section");
        w.WriteStartArray("fields");
        Field(w, "Severity", AlertText.Severity(f.Severity));
        Field(w, "Rule", $"`{Escape(f.Rule)}`");
        if (AlertText.Entity(f.Entity) is { } entity) Field(w, "Entity", Escape(entity));
        if (AlertText.Location(f.Location) is { } location) Field(w, "Location", Escape(location));
        w.WriteEndArray();
        w.WriteEndObject();
        Context(w, $"{Escape(f.Category)} · fingerprint {f.Fingerprint}{(alert.Incident is { } i ? $" · incident {Escape(i.Id)}" : "")}");
        if (AlertText.DashboardLink(publicUrl, f) is { } link)
        {
            w.WriteStartObject();
            w.WriteString("type", "actions");
            w.WriteStartArray("elements");
            w.WriteStartObject();
            w.WriteString("type", "button");
            PlainText(w, "text", "Open in PipeWatch");
            w.WriteString("url", link);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void Digest(Utf8JsonWriter w, IReadOnlyList<Alert> alerts)
    {
        var heading = AlertText.DigestHeading(alerts);
        w.WriteString("text", Escape(heading));
        w.WriteStartArray("blocks");
        Header(w, heading);
        foreach (var alert in alerts.Take(AlertText.DigestItems))
        {
            var f = alert.Finding;
            var entity = AlertText.Entity(f.Entity) is { } e ? $"\n{Escape(e)}" : "";
            Section(w, $"*{AlertText.Severity(f.Severity)}* {Escape(f.Title)}{entity}");
        }

        if (alerts.Count > AlertText.DigestItems) Context(w, $"and {alerts.Count - AlertText.DigestItems} more: 'pipewatch findings' lists every one");
        w.WriteEndArray();
    }

    /// <summary>Escapes the three characters Slack's mrkdwn gives meaning to.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    }

    private static void Header(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "header");
        PlainText(w, "text", AlertText.Cut(text, 150));
        w.WriteEndObject();
    }

    private static void Section(Utf8JsonWriter w, string mrkdwn)
    {
        w.WriteStartObject();
        w.WriteString("type", "section");
        w.WriteStartObject("text");
        w.WriteString("type", "mrkdwn");
        w.WriteString("text", AlertText.Cut(mrkdwn, 3_000));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Field(Utf8JsonWriter w, string name, string value)
    {
        w.WriteStartObject();
        w.WriteString("type", "mrkdwn");
        w.WriteString("text", AlertText.Cut($"*{name}*\n{value}", 2_000));
        w.WriteEndObject();
    }

    private static void Context(Utf8JsonWriter w, string mrkdwn)
    {
        w.WriteStartObject();
        w.WriteString("type", "context");
        w.WriteStartArray("elements");
        w.WriteStartObject();
        w.WriteString("type", "mrkdwn");
        w.WriteString("text", AlertText.Cut(mrkdwn, 3_000));
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void PlainText(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "plain_text");
        w.WriteString("text", text);
        w.WriteEndObject();
    }
}
