namespace PipeWatch.Dependencies.Advisories;

/// <summary>What an import did to one advisory id: what the inventory is re-matched for.</summary>
/// <param name="Packages">The packages it names now, as the index keys them (base ecosystem, normalized name); none when withdrawn.</param>
public sealed record AdvisoryChange(string Id, AdvisoryChangeKind Kind, IReadOnlyList<(string Ecosystem, string Name)> Packages);

/// <summary>How an advisory changed in an import.</summary>
public enum AdvisoryChangeKind
{
    /// <summary>An id the index did not have.</summary>
    Added,

    /// <summary>An id it had, with other content (ranges, severity, summary, aliases).</summary>
    Changed,

    /// <summary>An id it had, now withdrawn (removed from the index).</summary>
    Withdrawn,
}
