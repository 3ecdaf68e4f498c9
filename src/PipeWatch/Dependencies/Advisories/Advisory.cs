using PipeWatch.Findings;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>One vulnerability record in OSV form, reduced to what matching and findings need.</summary>
/// <param name="Id">The OSV id (<c>GHSA-…</c>, <c>PYSEC-…</c>, <c>GO-…</c>).</param>
/// <param name="Aliases">Other ids of the same vulnerability (CVE ids among them).</param>
/// <param name="Severity">The severity: the record's own rating, else from its CVSS vector, else medium.</param>
/// <param name="Cvss">The CVSS vector, when the record gives one.</param>
/// <param name="CvssScore">The base score computed from <paramref name="Cvss"/> (v3.x), when it could be.</param>
/// <param name="Withdrawn">True when the record is withdrawn: it is never matched.</param>
public sealed record Advisory(
    string Id,
    IReadOnlyList<string> Aliases,
    string Summary,
    DateTimeOffset? Modified,
    Severity Severity,
    string? Cvss,
    double? CvssScore,
    bool Withdrawn,
    IReadOnlyList<AffectedPackage> Affected)
{
    /// <summary>When the advisory was first published (OSV <c>published</c>), when the record says.</summary>
    public DateTimeOffset? Published { get; init; }

    /// <summary>The CVE ids among the aliases (and the id itself when it is one).</summary>
    public IEnumerable<string> Cves => new[] { Id }.Concat(Aliases).Where(a => a.StartsWith("CVE-", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal);
}

/// <summary>One <c>affected[]</c> entry: a package in an ecosystem, its version ranges and its explicitly listed versions.</summary>
public sealed record AffectedPackage(string Ecosystem, string Name, IReadOnlyList<AffectedRange> Ranges, IReadOnlyList<string> Versions);

/// <summary>A range of type SEMVER or ECOSYSTEM (GIT ranges name commits, not versions, and are not kept).</summary>
public sealed record AffectedRange(string Type, IReadOnlyList<RangeEvent> Events)
{
    /// <summary>True when <see cref="Events"/> are already in the ecosystem's version order (as <see cref="CompactAffected"/> stores them).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Sorted { get; init; }
}

/// <summary>One event of a range: where affected versions start (<c>introduced</c>) or end (<c>fixed</c>, <c>last_affected</c>, <c>limit</c>).</summary>
public sealed record RangeEvent(RangeEventKind Kind, string Version);

public enum RangeEventKind
{
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}
