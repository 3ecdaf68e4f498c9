using PipeWatch.Findings;

namespace PipeWatch.Alerting.Incidents;

/// <summary>What links a finding to others: the people in it (its actor, and the account it acted upon) and its run, normalized; null where it has none.</summary>
/// <param name="Actor">The lower-case actor, or null for no actor and for bot accounts (<c>…[bot]</c>), which act for everyone.</param>
/// <param name="Run">The lower-case <c>repository|run id</c>, or null unless the finding has both.</param>
/// <param name="Target">The lower-case account acted upon (a collaborator added), normalized like <paramref name="Actor"/>: what that account does next belongs to the same story.</param>
public readonly record struct CorrelationKeys(string? Actor, string? Run, string? Target = null)
{
    /// <summary>True when the finding can link to nothing: it stays an incident of its own.</summary>
    public bool IsEmpty => Actor is null && Run is null && Target is null;

    /// <summary>The keys of a finding.</summary>
    public static CorrelationKeys Of(Finding finding)
    {
        var repository = finding.Entity.Repository?.Trim();
        var runId = finding.Location.RunId?.Trim();
        var run = string.IsNullOrEmpty(repository) || string.IsNullOrEmpty(runId) ? null : $"{repository}|{runId}";
        return new CorrelationKeys(Person(finding.Entity.Actor), run?.ToLowerInvariant(), Person(finding.Entity.Target));
    }

    private static string? Person(string? name)
    {
        name = name?.Trim();
        return string.IsNullOrEmpty(name) || name.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase) ? null : name.ToLowerInvariant();
    }
}
