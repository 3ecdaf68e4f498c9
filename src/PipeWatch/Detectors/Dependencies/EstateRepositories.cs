using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>The repositories of the estate, with how many package additions each taught it.</summary>
internal sealed class EstateRepositories : IBaseline<EstateRepositories>
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
