using PipeWatch.Findings;

namespace PipeWatch.Alerting.Incidents;

/// <summary>Findings that share an actor or a run within the correlation window, told as one story in time order.</summary>
/// <param name="Id">Stable: given when the incident opens and kept as findings join it.</param>
/// <param name="FirstSeen">The earliest finding's <see cref="Finding.Timestamp"/>.</param>
/// <param name="LastSeen">The latest finding's <see cref="Finding.Timestamp"/>.</param>
/// <param name="Severity">The highest severity of its findings.</param>
/// <param name="Findings">The timeline: ordered by timestamp, then detection time, then fingerprint.</param>
public sealed record Incident(string Id, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, Severity Severity, IReadOnlyList<Finding> Findings)
{
    /// <summary>The actors of its findings, sorted, each once.</summary>
    public IReadOnlyList<string> Actors { get; } = Distinct(Findings.Select(f => f.Entity.Actor));

    /// <summary>The repositories of its findings, sorted, each once.</summary>
    public IReadOnlyList<string> Repositories { get; } = Distinct(Findings.Select(f => f.Entity.Repository));

    private static string[] Distinct(IEnumerable<string?> values) =>
        [.. values.OfType<string>().Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}

/// <summary>A filter over stored incidents; null members match everything.</summary>
/// <param name="Since">Incidents whose last finding happened at or after this time.</param>
/// <param name="MinimumSeverity">Incidents whose highest severity is at least this.</param>
public sealed record IncidentQuery(DateTimeOffset? Since = null, Severity? MinimumSeverity = null);
