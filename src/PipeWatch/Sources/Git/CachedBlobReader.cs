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
    /// <summary>16 M characters: at most about 32 MB of text held.</summary>
    public const long DefaultMaxChars = 16L << 20;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Id, string? Text)>> _held = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Id, string? Text)> _recency = new();
    private long _chars;

    public long MaxChars => maxChars;

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
        }

        if (wanted.Count == 0) return;
        var texts = inner is IBatchBlobReader batch ? batch.ReadMany(wanted) : [.. wanted.Select(inner.ReadText)];
        for (var i = 0; i < wanted.Count; i++) Hold(wanted[i], texts[i]);
    }

    private void Hold(string blobId, string? text)
    {
        var size = (text?.Length ?? 0) + blobId.Length;
        if (size > maxChars / 4) return;
        lock (_gate)
        {
            if (_held.ContainsKey(blobId)) return;
            _held[blobId] = _recency.AddFirst((blobId, text));
            _chars += size;
            while (_chars > maxChars && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _held.Remove(oldest.Value.Id);
                _chars -= (oldest.Value.Text?.Length ?? 0) + oldest.Value.Id.Length;
            }
        }
    }
}
