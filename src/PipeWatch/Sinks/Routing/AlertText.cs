using PipeWatch.Findings;

namespace PipeWatch.Sinks.Routing;

/// <summary>The words every person-facing sink (Slack, Teams, email) shares: headline, entity and location lines, digest headings.</summary>
internal static class AlertText
{
    /// <summary>Items a digest lists before "and N more".</summary>
    public const int DigestItems = 40;

    public static string Severity(Severity severity) => severity.ToWire().ToUpperInvariant();

    public static string Headline(Finding finding) => $"[{Severity(finding.Severity)}] {finding.Title}";

    /// <summary>"repository › pipeline › job › step", actor and environment; null when the finding names none.</summary>
    public static string? Entity(Entity entity)
    {
        var parts = new List<string>(3);
        if (entity.ToString() is { Length: > 0 } path) parts.Add(path);
        if (entity.Actor is not null) parts.Add($"actor {entity.Actor}");
        if (entity.Environment is not null) parts.Add($"environment {entity.Environment}");
        if (entity.Target is not null) parts.Add($"target {entity.Target}");
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>The location for people, with its URL; null when there is none.</summary>
    public static string? Location(Location location)
    {
        var text = location.ToString();
        if (location.Url is { } url) text = text.Length == 0 ? url : $"{text} {url}";
        return text.Length == 0 ? null : text;
    }

    /// <summary>The heading of a message that carries several alerts: a digest, or an update to one incident.</summary>
    public static string DigestHeading(IReadOnlyList<Alert> alerts)
    {
        var incident = alerts[0].Incident?.Id;
        if (incident is not null && alerts.All(a => a.Incident is { IsNew: false } i && i.Id == incident))
        {
            return $"{alerts.Count} more finding{(alerts.Count == 1 ? "" : "s")} joined incident {incident}";
        }

        var top = alerts.Max(a => a.Finding.Severity);
        return $"PipeWatch: {alerts.Count} alerts (highest {Severity(top)})";
    }

    /// <summary>A link to the finding on the dashboard, when it is served.</summary>
    public static string? DashboardLink(string? publicUrl, Finding finding) =>
        publicUrl is null ? null : $"{publicUrl.TrimEnd('/')}/findings/{finding.Fingerprint}";

    /// <summary>Cuts text to a service's limit, marking the cut.</summary>
    public static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
