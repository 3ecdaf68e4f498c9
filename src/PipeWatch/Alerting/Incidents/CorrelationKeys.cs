using PipeWatch.Findings;

namespace PipeWatch.Alerting.Incidents;

/// <summary>What links a finding to others: its actor and its run (repository + run id), normalized; null where it has none.</summary>
/// <param name="Actor">The lower-case actor, or null for no actor and for bot accounts (<c>…[bot]</c>), which act for everyone.</param>
/// <param name="Run">The lower-case <c>repository|run id</c>, or null unless the finding has both.</param>
public readonly record struct CorrelationKeys(string? Actor, string? Run)
{
    /// <summary>True when the finding can link to nothing: it stays an incident of its own.</summary>
    public bool IsEmpty => Actor is null && Run is null;

    /// <summary>The keys of a finding.</summary>
    public static CorrelationKeys Of(Finding finding)
    {
        var actor = finding.Entity.Actor?.Trim();
        if (string.IsNullOrEmpty(actor) || actor.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase)) actor = null;
        var repository = finding.Entity.Repository?.Trim();
        var runId = finding.Location.RunId?.Trim();
        var run = string.IsNullOrEmpty(repository) || string.IsNullOrEmpty(runId) ? null : $"{repository}|{runId}";
        return new CorrelationKeys(actor?.ToLowerInvariant(), run?.ToLowerInvariant());
    }
}
