using PipeWatch.Dependencies;

namespace PipeWatch.Detectors.Dependencies;

// Why comparers over the entries rather than tuple keys ((d.Key, location, integrity) in a HashSet or DistinctBy): generic code
// of the framework over a value type (a ValueTuple key) is in no ReadyToRun image, so a history scan compiled it at run time and
// ran it unoptimised (Tier0) for much of the scan; a set of Dependency (a reference type) runs the framework's precompiled shared
// code, and these comparers are ours, precompiled in this assembly (sampled on renovatebot and toolkit: ~50–100 ms each).

/// <summary>Two entries are the same when their key (ecosystem, name, version), source location and integrity hash are equal (ordinal).</summary>
/// <remarks>Stateless and thread-safe: use <see cref="Instance"/>.</remarks>
internal sealed class SameEntryComparer : IEqualityComparer<Dependency>
{
    public static readonly SameEntryComparer Instance = new();

    private SameEntryComparer()
    {
    }

    public bool Equals(Dependency? x, Dependency? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null
            && string.Equals(x.Key, y.Key, StringComparison.Ordinal)
            && string.Equals(x.Source.Location, y.Source.Location, StringComparison.Ordinal)
            && string.Equals(x.Integrity, y.Integrity, StringComparison.Ordinal));

    public int GetHashCode(Dependency obj) =>
        StringComparer.Ordinal.GetHashCode(obj.Key) ^ (Hash(obj.Source.Location) * 31) ^ (Hash(obj.Integrity) * 961);

    private static int Hash(string? text) => text is null ? 0 : StringComparer.Ordinal.GetHashCode(text);
}

/// <summary>Two entries are the same package when their ecosystem and name are equal (ordinal), whatever their versions.</summary>
/// <remarks>Stateless and thread-safe: use <see cref="Instance"/>.</remarks>
internal sealed class SameNameComparer : IEqualityComparer<Dependency>
{
    public static readonly SameNameComparer Instance = new();

    private SameNameComparer()
    {
    }

    public bool Equals(Dependency? x, Dependency? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null
            && string.Equals(x.Ecosystem, y.Ecosystem, StringComparison.Ordinal)
            && string.Equals(x.Name, y.Name, StringComparison.Ordinal));

    public int GetHashCode(Dependency obj) => StringComparer.Ordinal.GetHashCode(obj.Name) ^ (StringComparer.Ordinal.GetHashCode(obj.Ecosystem) * 31);
}
