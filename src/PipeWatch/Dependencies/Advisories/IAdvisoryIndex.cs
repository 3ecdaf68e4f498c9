namespace PipeWatch.Dependencies.Advisories;

/// <summary>Looks up the advisories that name a package: first their affected entries for it, then a whole advisory when a version matches.</summary>
/// <remarks>Not thread-safe: one index per scan, used from one thread. Owned and disposed by whoever opened it.</remarks>
public interface IAdvisoryIndex : IDisposable
{
    /// <summary>The non-withdrawn advisories with an <c>affected[]</c> entry for that ecosystem and name (the ecosystem's name equivalence applies), each with those entries.</summary>
    IReadOnlyList<PackageAdvisory> For(string ecosystem, string name);

    /// <summary>The advisory with that id, for a finding: its aliases, summary and severity (its <see cref="Advisory.Affected"/> may be left empty); null when it is not in the index.</summary>
    Advisory? Advisory(string id);

    /// <summary>Looks many packages up at once, so that the <see cref="For"/> calls that follow are answered from memory; nothing by default.</summary>
    void Prefetch(IReadOnlyCollection<(string Ecosystem, string Name)> packages)
    {
    }

    /// <summary>Reads many advisories at once, so that the <see cref="Advisory"/> calls that follow are answered from memory; nothing by default.</summary>
    void PrefetchAdvisories(IReadOnlyCollection<string> ids)
    {
    }
}

/// <summary>An advisory naming a package, with only its <c>affected[]</c> entries for that package: what version matching needs.</summary>
public sealed record PackageAdvisory(string AdvisoryId, IReadOnlyList<AffectedPackage> Affected);

/// <summary>Where imported advisories are kept between runs (the store's migrations 4 and 6).</summary>
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

    /// <summary>Each ecosystem with its packages and advisories, for <c>vulndb list</c>.</summary>
    IReadOnlyList<AdvisoryEcosystem> AdvisoryEcosystems();
}

/// <summary>What an import did.</summary>
public sealed record AdvisoryImportResult(int Imported, int Withdrawn, int Packages)
{
    /// <summary>The ids added, changed or withdrawn (an id imported again as it was is none of these), in import order.</summary>
    public IReadOnlyList<AdvisoryChange> Changes { get; init; } = [];
}

/// <summary>An index held in memory: for tests, benchmarks and advisories read straight from files.</summary>
internal sealed class InMemoryAdvisoryIndex : IAdvisoryIndex
{
    private readonly Dictionary<(string, string), List<PackageAdvisory>> _byPackage = [];
    private readonly Dictionary<string, Advisory> _byId = new(StringComparer.Ordinal);

    public InMemoryAdvisoryIndex(IEnumerable<Advisory> advisories)
    {
        foreach (var advisory in advisories.Where(a => !a.Withdrawn))
        {
            _byId[advisory.Id] = advisory;
            foreach (var entries in advisory.Affected.GroupBy(Key))
            {
                if (!_byPackage.TryGetValue(entries.Key, out var list)) _byPackage[entries.Key] = list = [];
                list.Add(new PackageAdvisory(advisory.Id, [.. entries]));
            }
        }
    }

    public int PackageCount => _byPackage.Count;

    public IReadOnlyList<PackageAdvisory> For(string ecosystem, string name) =>
        _byPackage.TryGetValue((Ecosystems.Base(ecosystem), PackageNames.Normalize(ecosystem, name)), out var list) ? list : [];

    public Advisory? Advisory(string id) => _byId.GetValueOrDefault(id);

    public void Dispose()
    {
    }

    private static (string, string) Key(AffectedPackage p) => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name));
}

/// <summary>One ecosystem of the advisory index: how many packages and advisories it has.</summary>
public sealed record AdvisoryEcosystem(string Ecosystem, long Packages, long Advisories);
