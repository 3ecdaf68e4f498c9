using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>One shard of the estate's packages: for each, the first repositories that used it.</summary>
/// <remarks>Mergeable: two workers that learned packages of one shard at once keep both (the lists unite, up to the first few).</remarks>
internal sealed class EstateShard : IBaseline<EstateShard>, IMergeableBaseline
{
    public const int RepositoriesKept = 4;

    private readonly Dictionary<string, List<string>> _packages = new(StringComparer.Ordinal);

    /// <summary>Global: the packages of the whole estate.</summary>
    public static BaselineScope Scope => BaselineScope.Global;

    public static byte FormatVersion => 1;

    public static EstateShard Create() => new();

    public IReadOnlyList<string> UsedBy(string package) => _packages.TryGetValue(package, out var list) ? list : [];

    public void Learn(string package, string repository)
    {
        if (!_packages.TryGetValue(package, out var list)) _packages[package] = list = new List<string>(1);
        if (list.Count < RepositoriesKept && !list.Contains(repository, StringComparer.Ordinal)) list.Add(repository);
    }

    public IBaseline MergedInto(IBaseline current, IBaseline? loaded)
    {
        var merged = new EstateShard();
        foreach (var source in new[] { ((EstateShard)current)._packages, _packages })
        {
            foreach (var (package, repositories) in source)
            {
                foreach (var repository in repositories) merged.Learn(package, repository);
            }
        }

        return merged;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_packages.Count);
        foreach (var (package, repositories) in _packages)
        {
            writer.Write(package);
            writer.Write((byte)repositories.Count);
            foreach (var r in repositories) writer.Write(r);
        }
    }

    public static EstateShard Read(BinaryReader reader)
    {
        var shard = new EstateShard();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var package = reader.ReadString();
            var list = new List<string>(1);
            for (int r = 0, n = reader.ReadByte(); r < n; r++) list.Add(reader.ReadString());
            shard._packages[package] = list;
        }

        return shard;
    }
}
