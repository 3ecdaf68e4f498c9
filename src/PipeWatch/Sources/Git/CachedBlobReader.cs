namespace PipeWatch.Sources.Git;

/// <summary>
/// File contents by blob id, read ahead in batches and kept while they are likely to be asked for again: the "before" of a file a
/// commit changes is the "after" of the commit that changed it last.
/// </summary>
/// <remarks>
/// Thread-safe. Bounded: least recently used texts are dropped once the texts held pass <see cref="MaxChars"/> characters, and a text
/// larger than a quarter of that is never held. A blob that is not held is read from the inner reader, so a dropped entry costs a read,
/// never an answer. Ids are content hashes, so a held text never goes stale.
/// </remarks>
internal sealed class CachedBlobReader(IBlobReader inner, long maxChars = CachedBlobReader.DefaultMaxChars) : IBlobReader
{
    /// <summary>32 M characters: at most about 64 MB of text held.</summary>
    /// <remarks>
    /// A scan reads ahead up to the scan's <c>ScanOptions.WholeBlobsAhead</c> whole versions (lockfiles of 100-200 K characters)
    /// and rebuilds each from the one before: with 16 M, versions read ahead were dropped before they were asked for and read from
    /// git again (debug build, one run each, load 17-20: renovatebot/github-action 8-39 blobs read again, gen0/1/2 collections
    /// 26/17/16; actions/toolkit 7-10, 8/8/8); with 32 M, 0 and 21/11/10; 3 and 7/5/4 (allocated bytes unchanged, 2.38 GB and
    /// 0.74 GB: the full collections were those of the large strings read again).
    /// </remarks>
    public const long DefaultMaxChars = 32L << 20;

    private readonly Lock _gate = new();
    // Nodes of a reference type (not an (id, text) tuple): the framework's linked list over a value type is in no ReadyToRun
    // image and ran jitted, at tier 0, on every blob a scan reads.
    private readonly Dictionary<string, LinkedListNode<Held>> _held = new(StringComparer.Ordinal);
    private readonly LinkedList<Held> _recency = new();
    private long _chars;
    private readonly HashSet<string> _dropped = new(StringComparer.Ordinal);
    private long _rebuilt, _rebuiltChars, _notRebuilt, _readAgain, _forgotten;

    public long MaxChars => maxChars;

    /// <summary>Versions made from the previous version and the diff (<see cref="PrefetchChanges"/>), their characters, and those that could not be and were read.</summary>
    public (long Rebuilt, long Characters, long Read) Rebuilds => (Interlocked.Read(ref _rebuilt), Interlocked.Read(ref _rebuiltChars), Interlocked.Read(ref _notRebuilt));

    /// <summary>Blobs asked of the inner reader again after they had been held and dropped: the cost of a cache (or a read-ahead) too small.</summary>
    public long ReadAgain => Interlocked.Read(ref _readAgain);

    /// <summary>Held texts let go by <see cref="Forget"/>.</summary>
    public long Forgotten => Interlocked.Read(ref _forgotten);

    public string? ReadText(string blobId)
    {
        ArgumentNullException.ThrowIfNull(blobId);
        lock (_gate)
        {
            if (_held.TryGetValue(blobId, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                return node.Value.Text;
            }

            CountIfDropped(blobId);
        }

        var text = inner.ReadText(blobId);
        Hold(blobId, text);
        return text;
    }

    /// <summary>Reads the blobs not yet held, in one batch when the inner reader can, and holds them.</summary>
    public void Prefetch(IReadOnlyCollection<string> blobIds)
    {
        List<string> wanted;
        lock (_gate)
        {
            wanted = [.. blobIds.Distinct(StringComparer.Ordinal).Where(id => !_held.ContainsKey(id))];
            foreach (var id in wanted) CountIfDropped(id);
        }

        if (wanted.Count == 0) return;
        var texts = inner is IBatchBlobReader batch ? batch.ReadMany(wanted) : [.. wanted.Select(inner.ReadText)];
        for (var i = 0; i < wanted.Count; i++) Hold(wanted[i], texts[i]);
    }

    /// <summary>
    /// Holds both versions of each change, in order (a chunk of commits, oldest first): an old version not held is read (in one
    /// batch), and a new version is rebuilt from its old version and the change's hunks (<see cref="DiffRebuild"/>, checked
    /// against the lines git removed), so that git is asked only for the first version of a file met, and for a version that could
    /// not be rebuilt. A held text is git's or was rebuilt and checked from one that was: what the check builds on.
    /// </summary>
    public void PrefetchChanges(IReadOnlyList<GitFileChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        // The versions this call makes: a chain of changes to one file in the chunk reads none of its middle versions.
        var planned = new HashSet<string>(StringComparer.Ordinal);
        var read = new HashSet<string>(StringComparer.Ordinal);
        var rebuild = new List<GitFileChange>();
        lock (_gate)
        {
            foreach (var change in changes)
            {
                if (change.OldBlob is { } before && !_held.ContainsKey(before) && !planned.Contains(before)) read.Add(before);
                if (change.Kind == FileChangeKind.Deleted || change.NewBlob is not { } after || _held.ContainsKey(after) || planned.Contains(after) || read.Contains(after)) continue;
                if (change.Hunks is null || change.Binary)
                {
                    read.Add(after);
                    continue;
                }

                planned.Add(after);
                rebuild.Add(change);
            }
        }

        var made = new Dictionary<string, string>(StringComparer.Ordinal);
        if (read.Count > 0) Prefetch(read);
        var missed = new List<string>();
        foreach (var change in rebuild)
        {
            var after = change.NewBlob!;
            if (made.ContainsKey(after)) continue;
            var before = change.OldBlob is null ? string.Empty : made.GetValueOrDefault(change.OldBlob) ?? ReadText(change.OldBlob);
            if (before is not null && DiffRebuild.NewText(before, change) is { } text)
            {
                made[after] = text;
                Hold(after, text);
                Interlocked.Increment(ref _rebuilt);
                Interlocked.Add(ref _rebuiltChars, text.Length);
            }
            else
            {
                missed.Add(after);
            }
        }

        if (missed.Count == 0) return;
        Interlocked.Add(ref _notRebuilt, missed.Count);
        Prefetch(missed);
    }

    /// <summary>
    /// Stops holding <paramref name="blobIds"/>, whose readers are done with them, so they die young instead of being kept (and
    /// copied from generation to generation by the GC) until the bound pushes them out; one asked for again is read again, counted.
    /// </summary>
    /// <returns>How many were held.</returns>
    public int Forget(IEnumerable<string> blobIds)
    {
        ArgumentNullException.ThrowIfNull(blobIds);
        var forgotten = 0;
        lock (_gate)
        {
            foreach (var id in blobIds)
            {
                if (!_held.Remove(id, out var node)) continue;
                _recency.Remove(node);
                _chars -= (node.Value.Text?.Length ?? 0) + id.Length;
                _dropped.Add(id);
                forgotten++;
            }
        }

        Interlocked.Add(ref _forgotten, forgotten);
        return forgotten;
    }

    // Under the gate. The ids dropped are kept (one string each, already made) so that a read of one again is counted.
    private void CountIfDropped(string blobId)
    {
        if (_dropped.Contains(blobId)) _readAgain++;
    }

    private void Hold(string blobId, string? text)
    {
        var size = (text?.Length ?? 0) + blobId.Length;
        if (size > maxChars / 4) return;
        lock (_gate)
        {
            if (_held.ContainsKey(blobId)) return;
            _held[blobId] = _recency.AddFirst(new Held(blobId, text));
            _chars += size;
            while (_chars > maxChars && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _held.Remove(oldest.Value.Id);
                _dropped.Add(oldest.Value.Id);
                _chars -= (oldest.Value.Text?.Length ?? 0) + oldest.Value.Id.Length;
            }
        }
    }

    private sealed record Held(string Id, string? Text);
}
