namespace PipeWatch.Dependencies.Parsers;

/// <summary>The keys of one section (<c>packages</c> or <c>snapshots</c>) of a pnpm lockfile version, made from the previous version's and what the change took out and put in.</summary>
/// <remarks>
/// Immutable, and shared by the versions made from it (a history can branch). A version made from another holds only its change
/// (the keys it removed and added) over the other's keys, so telling whether a key is held costs the number of such steps; past
/// <see cref="MaxSteps"/> of them the keys are gathered again into one set, so a followed version costs O(change) amortised
/// instead of hashing every key of every version.
/// </remarks>
internal sealed class PnpmLockKeys
{
    /// <summary>Changes held over one whole set before the keys are gathered again.</summary>
    public const int MaxSteps = 32;

    private readonly HashSet<string>? _all;
    private readonly PnpmLockKeys? _before;
    private readonly HashSet<string>? _removed, _added;
    private readonly int _steps;

    /// <summary>Every key of a version (held as given: not to be changed after).</summary>
    public PnpmLockKeys(HashSet<string> all) => _all = all;

    private PnpmLockKeys(PnpmLockKeys before, HashSet<string> removed, HashSet<string> added)
    {
        (_before, _removed, _added) = (before, removed, added);
        _steps = before._steps + 1;
    }

    public bool Contains(string key)
    {
        for (var keys = this; ; keys = keys._before!)
        {
            if (keys._all is { } all) return all.Contains(key);
            // A key the change both removed and added (its entry rewritten in place) is held.
            if (keys._added!.Contains(key)) return true;
            if (keys._removed!.Contains(key)) return false;
        }
    }

    /// <summary>The keys after a change that removed <paramref name="removed"/> and added <paramref name="added"/>; <paramref name="all"/> gives every key of the new version when they are gathered again.</summary>
    public PnpmLockKeys With(HashSet<string> removed, HashSet<string> added, Func<HashSet<string>> all) =>
        _steps >= MaxSteps ? new PnpmLockKeys(all()) : new PnpmLockKeys(this, removed, added);
}
