using PipeWatch.Events;

namespace PipeWatch.Sources.Runner.Collectors;

/// <summary>Builds the telemetry events of other collectors (Falco, Tetragon, auditd) with the runner agent's field names and actions, so the same detectors and Sigma rules read them.</summary>
/// <remarks>
/// A program start is <c>event.category</c> process, <c>event.action</c> exec; an outbound connection is network,
/// connection-attempted, with <c>destination.ip</c>/<c>destination.port</c>; both with the ECS <c>process.*</c> fields. These
/// collectors do not know the CI run: <c>ci.*</c> fields, when a collector's output carries them, tie the event to it.
/// </remarks>
internal static class CollectorEvents
{
    /// <summary>A program start.</summary>
    public static Event ProgramStart(string collector, string id, DateTimeOffset? time, CollectorFields fields, Origin origin) =>
        Create(collector, id, time, "process", "start", AgentFields.ProcessAction, Outcome.Success, fields, origin);

    /// <summary>An outbound connection attempt.</summary>
    public static Event Connection(string collector, string id, DateTimeOffset? time, Outcome outcome, CollectorFields fields, Origin origin) =>
        Create(collector, id, time, "network", "connection", AgentFields.ConnectionAction, outcome, fields, origin);

    /// <summary>Anything else a collector alerts on (a Falco rule about a file or a shell): kept, with its rule, for the record.</summary>
    public static Event Alert(string collector, string id, DateTimeOffset? time, CollectorFields fields, Origin origin) =>
        Create(collector, id, time, "intrusion_detection", "info", fields.GetValueOrDefault("rule.name"), Outcome.Unknown, fields, origin);

    private static Event Create(string collector, string id, DateTimeOffset? time, string category, string type, string? action, Outcome outcome, CollectorFields fields, Origin origin)
    {
        fields[AgentFields.Category] = category;
        fields[AgentFields.Type] = type;
        if (action is not null) fields[AgentFields.Action] = action;
        fields["event.module"] = collector;
        if (outcome != Outcome.Unknown) fields[AgentFields.Outcome] = outcome == Outcome.Success ? "success" : "failure";
        if (time is { } t) fields[EventFields.Timestamp] = t.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return new Event
        {
            Kind = EventKind.Telemetry,
            Id = $"{collector}:{id}",
            Timestamp = time ?? AuditRecords.MissingTimestamp,
            TimestampMissing = time is null,
            Dataset = $"{collector}.{category}",
            Action = action,
            Outcome = outcome,
            Completed = true,
            Ci = new CiContext(
                fields.GetValueOrDefault(EventFields.Repository) ?? string.Empty,
                fields.GetValueOrDefault(EventFields.Pipeline) ?? string.Empty,
                fields.GetValueOrDefault(EventFields.RunId) ?? string.Empty,
                Job: fields.GetValueOrDefault(EventFields.Job),
                Platform: fields.GetValueOrDefault(EventFields.Platform)),
            UserName = fields.GetValueOrDefault(EventFields.UserName),
            Fields = fields,
            Origin = origin,
        };
    }

    /// <summary>The program name of an executable path (<c>/usr/bin/curl</c> → <c>curl</c>).</summary>
    public static string? NameOf(string? executable) => string.IsNullOrEmpty(executable) ? null : executable[(executable.LastIndexOf('/') + 1)..];

    /// <summary>An RFC 3339 time with up to nine fractional digits (Falco and Tetragon write nanoseconds; .NET keeps seven).</summary>
    public static DateTimeOffset? Time(string? text)
    {
        if (text is null) return null;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            if (end - dot - 1 > 7) text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
        }

        return JsonFields.ParseTime(text);
    }
}
