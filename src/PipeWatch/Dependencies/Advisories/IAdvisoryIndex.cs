namespace PipeWatch.Dependencies.Advisories;

/// <summary>Looks up the advisories that name a package.</summary>
/// <remarks>Not thread-safe: one index per scan, used from one thread. Owned and disposed by whoever opened it.</remarks>
public interface IAdvisoryIndex : IDisposable
{
    /// <summary>The non-withdrawn advisories with an <c>affected[]</c> entry for that ecosystem and name (the ecosystem's name equivalence applies).</summary>
    IReadOnlyList<Advisory> For(string ecosystem, string name);
}

/// <summary>Where imported advisories are kept between runs (the store's migrations 4 and 5).</summary>
public interface IAdvisoryStore
{
    /// <summary>Adds or replaces advisories by id, one transaction per 5,000; a withdrawn record removes its id.</summary>
    AdvisoryImportResult ImportAdvisories(IEnumerable<Advisory> advisories, CancellationToken ct);

    /// <summary>How many advisories the store holds.</summary>
    long AdvisoryCount();

    /// <summary>A short text that changes whenever an import changes the advisories (their count and latest modification).</summary>
    string AdvisoryState();

    /// <summary>An index over the advisories as stored now.</summary>
    IAdvisoryIndex OpenAdvisoryIndex();
}

/// <summary>What an import did.</summary>
public sealed record AdvisoryImportResult(int Imported, int Withdrawn, int Packages);

/// <summary>An index held in memory: for tests, benchmarks and advisories read straight from files.</summary>
public sealed class InMemoryAdvisoryIndex : IAdvisoryIndex
{
    private readonly Dictionary<(string, string), List<Advisory>> _byPackage = [];

    public InMemoryAdvisoryIndex(IEnumerable<Advisory> advisories)
    {
        foreach (var advisory in advisories.Where(a => !a.Withdrawn))
        {
            foreach (var key in advisory.Affected.Select(Key).Distinct())
            {
                if (!_byPackage.TryGetValue(key, out var list)) _byPackage[key] = list = [];
                list.Add(advisory);
            }
        }
    }

    public int PackageCount => _byPackage.Count;

    public IReadOnlyList<Advisory> For(string ecosystem, string name) =>
        _byPackage.TryGetValue((Ecosystems.Base(ecosystem), PackageNames.Normalize(ecosystem, name)), out var list) ? list : [];

    public void Dispose()
    {
    }

    private static (string, string) Key(AffectedPackage p) => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name));
}
