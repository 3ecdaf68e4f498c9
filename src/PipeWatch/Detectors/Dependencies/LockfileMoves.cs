using PipeWatch.Dependencies;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>A package version a change moved only in its patch number: its name, and how it reads in an explanation.</summary>
internal sealed record PatchBump(string Name, string Text);

/// <summary>
/// What explains a package that appears in a lockfile: the packages of the same change that moved or were added and list it
/// among their dependencies. A regenerated lockfile, <c>npm update</c>, <c>cargo update</c> or <c>npm audit fix</c> move many
/// versions at once and bring the new versions' own dependencies; an entry that nothing moved brings in is what an injected
/// package looks like.
/// </summary>
/// <remarks>
/// Lockfiles that list each package's dependencies (npm, yarn, pnpm, Cargo, Poetry, uv, Composer, Bundler, NuGet) are judged by
/// those edges. A lockfile that lists none (go.sum, a compiled requirements.txt) cannot say which move brought a package in:
/// there, a new lockfile, or a change whose manifest changed too, explains its new entries, and a patch bump is blamed only when
/// the manifest did not change.
/// </remarks>
internal sealed class LockfileMoves
{
    // The packages that moved or came in (no entry before: all among the change's touched entries) by each name they require.
    private readonly Dictionary<string, List<Dependency>> _requiredBy;
    private readonly bool _hasEdges;
    private readonly bool _isNew;

    private LockfileMoves(Dictionary<string, List<Dependency>> requiredBy, bool hasEdges, bool isNew)
    {
        _requiredBy = requiredBy;
        _hasEdges = hasEdges;
        _isNew = isNew;
    }

    public static LockfileMoves Of(FileDependencyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var requiredBy = new Dictionary<string, List<Dependency>>(StringComparer.Ordinal);
        foreach (var d in change.Touched)
        {
            if (d.Requires.Count == 0 || change.Previous(d) is not null) continue;
            foreach (var name in d.Requires)
            {
                if (!requiredBy.TryGetValue(name, out var list)) requiredBy[name] = list = [];
                list.Add(d);
            }
        }

        // Whether the file states edges at all is a property of the whole file (the first entry that lists any says so).
        return new LockfileMoves(requiredBy, change.After.Any(d => d.Requires.Count > 0), change.Before.Count == 0);
    }

    /// <summary>True when the lockfile states its packages' dependencies.</summary>
    public bool HasEdges => _hasEdges;

    /// <summary>True when a package the change moved or added depends on <paramref name="added"/>, or the lockfile is new (all of it comes from the manifest).</summary>
    public bool Explains(Dependency added)
    {
        ArgumentNullException.ThrowIfNull(added);
        if (!_hasEdges) return _isNew;
        if (_isNew && added.Direct) return true;
        return MovedRequirers(added).Any();
    }

    /// <summary>
    /// The patch bumps <paramref name="added"/> came in with: with edges, only when every moved package that depends on it moved
    /// by a patch (a patch release that brought a new dependency, the event-stream shape); without edges, every patch bump of the
    /// change unless the manifest changed too.
    /// </summary>
    public IReadOnlyList<PatchBump> PatchBumpsBehind(Dependency added, IReadOnlyList<PatchBump> bumps, bool manifestChanged)
    {
        ArgumentNullException.ThrowIfNull(bumps);
        if (bumps.Count == 0) return [];
        if (!_hasEdges) return manifestChanged ? [] : bumps;
        var moved = MovedRequirers(added).Select(d => d.Name).Distinct(StringComparer.Ordinal).ToList();
        if (moved.Count == 0 || !moved.All(name => bumps.Any(b => b.Name == name))) return [];
        return [.. bumps.Where(b => moved.Contains(b.Name, StringComparer.Ordinal))];
    }

    private IEnumerable<Dependency> MovedRequirers(Dependency added) =>
        _requiredBy.TryGetValue(added.Name, out var requirers) ? requirers : [];
}
