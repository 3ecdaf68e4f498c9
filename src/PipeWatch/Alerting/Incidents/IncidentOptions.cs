namespace PipeWatch.Alerting.Incidents;

/// <summary>Settings of incident correlation (<c>incidents:</c> in pipewatch.yml).</summary>
public sealed record IncidentOptions
{
    /// <summary>Two findings that share an actor or a run are linked when their timestamps are at most this far apart.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);
}
