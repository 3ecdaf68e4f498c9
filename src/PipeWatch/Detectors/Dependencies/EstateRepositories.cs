using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>The repositories of the estate, with how many package additions each taught it.</summary>
/// <remarks>Mergeable: two workers' counts add (what each learned since it loaded the state).</remarks>
internal sealed class EstateRepositories : IBaseline<EstateRepositories>, IMergeableBaseline
{
    /// <summary>Repositories kept; past it the one that taught least is forgotten.</summary>
    public const int Capacity = 10_000;

    private readonly Dictionary<string, long> _repositories = new(StringComparer.Ordinal);

    /// <summary>Global: the repositories of the whole estate.</summary>
    public static BaselineScope Scope => BaselineScope.Global;

    public static byte FormatVersion => 1;

    public static EstateRepositories Create() => new();

    public IReadOnlyCollection<string> Names => _repositories.Keys;

    public void Learn(string repository) => CappedCounts.Increment(_repositories, repository, Capacity);

    public IBaseline MergedInto(IBaseline current, IBaseline? loaded)
    {
        var merged = new EstateRepositories();
        foreach (var (repository, count) in CappedCounts.Merged(((EstateRepositories)current)._repositories, _repositories, (loaded as EstateRepositories)?._repositories, Capacity, StringComparer.Ordinal))
        {
            merged._repositories[repository] = count;
        }

        return merged;
    }

    public void Write(BinaryWriter writer)
    {
        CappedCounts.Write(writer, _repositories);
    }

    public static EstateRepositories Read(BinaryReader reader)
    {
        var estate = new EstateRepositories();
        CappedCounts.Read(reader, estate._repositories);
        return estate;
    }
}
