namespace PipeWatch.Dependencies.Advisories;

/// <summary>
/// An advisory index that follows its store: when an import has changed the stored advisories (<see cref="IAdvisoryStore.AdvisoryState"/>),
/// the first package lookup after at most <c>every</c> reopens the index, so a long-running engine (<c>serve</c>) sees what
/// <c>vulndb import|update</c> brought without a restart.
/// </summary>
/// <remarks>
/// Not thread-safe, like the index it wraps: one engine's detection thread uses it. The store's state is read at most once per
/// <c>every</c>; between two reads, lookups are answered (and cached) by the index opened last. Owns and disposes that index.
/// </remarks>
internal sealed class FollowingAdvisoryIndex : IAdvisoryIndex
{
    private readonly IAdvisoryStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _every;
    private readonly IDisposable? _owner;
    private IAdvisoryIndex _index;
    private string _state;
    private long _checked;

    /// <param name="owner">Disposed with the index: the store connection opened for it alone, when there is one.</param>
    public FollowingAdvisoryIndex(IAdvisoryStore store, TimeProvider time, TimeSpan every, IDisposable? owner = null)
    {
        _store = store;
        _owner = owner;
        _time = time;
        _every = every;
        _state = store.AdvisoryState();
        _index = store.OpenAdvisoryIndex();
        _checked = time.GetTimestamp();
    }

    /// <summary>How many times the index was reopened after an import.</summary>
    public int Reopened { get; private set; }

    public IReadOnlyList<PackageAdvisory> For(string ecosystem, string name)
    {
        Follow();
        return _index.For(ecosystem, name);
    }

    public Advisory? Advisory(string id) => _index.Advisory(id);

    public void Prefetch(IReadOnlyCollection<(string Ecosystem, string Name)> packages)
    {
        Follow();
        _index.Prefetch(packages);
    }

    public void PrefetchAdvisories(IReadOnlyCollection<string> ids) => _index.PrefetchAdvisories(ids);

    public void Dispose()
    {
        _index.Dispose();
        _owner?.Dispose();
    }

    private void Follow()
    {
        if (_time.GetElapsedTime(_checked) < _every) return;
        _checked = _time.GetTimestamp();
        var state = _store.AdvisoryState();
        if (string.Equals(state, _state, StringComparison.Ordinal)) return;
        _index.Dispose();
        _index = _store.OpenAdvisoryIndex();
        _state = state;
        Reopened++;
    }
}
