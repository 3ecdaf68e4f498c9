using System.IO.Hashing;
using System.Text;
using PipeWatch.Baselines;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>The estate: every repository PipeWatch has scanned into this store, and which of them used each package (by ecosystem and name).</summary>
/// <remarks>
/// Kept in the store's baselines, shared by every repository: the packages in <see cref="Shards"/> baselines by a stable hash
/// of their name (a commit rewrites only the shards it touched), the repositories in one. Each package keeps the first
/// <see cref="EstateShard.RepositoriesKept"/> repositories that used it.
/// </remarks>
internal sealed class EstatePackages(BaselineSet baselines)
{
    public const int Shards = 64;

    private EstateRepositories Repositories => baselines.Get<EstateRepositories>("estate|repositories");

    /// <summary>The repositories of the estate besides <paramref name="repository"/>: only when there are some is a package "new to the estate" telling.</summary>
    public IReadOnlyList<string> Others(string repository) => [.. Repositories.Names.Where(r => r != repository).Order(StringComparer.Ordinal)];

    /// <summary>The repositories that used the package before (at most <see cref="EstateShard.RepositoriesKept"/>); empty when none did.</summary>
    public IReadOnlyList<string> UsedBy(Dependency d) => Shard(d, out var key).UsedBy(key);

    public void Learn(Dependency d, string repository)
    {
        Shard(d, out var key).Learn(key, repository);
        Repositories.Learn(repository);
    }

    private EstateShard Shard(Dependency d, out string key)
    {
        key = Ecosystems.Base(d.Ecosystem) + "|" + PackageNames.Normalize(d.Ecosystem, d.Name);
        var shard = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key)) % Shards;
        return baselines.Get<EstateShard>($"estate|packages|{shard}");
    }
}
