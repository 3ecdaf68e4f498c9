using System.Collections.Concurrent;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>
/// What a parser read from one block of a lockfile (a yarn entry, a pnpm <c>packages</c> entry…), by the block's exact text, so
/// that the next version of the file re-reads only the blocks a change touched: a history scan parses every version of a
/// lockfile, and one commit changes a few of its entries.
/// </summary>
/// <remarks>
/// Thread-safe (the preparation workers parse in parallel). What is held is a pure function of the block's text and of the kind
/// of block, so it is never stale; a parser that uses the memo gives exactly what it gives without it (proven per format by the
/// tests and by <c>bench --suite lockfiles</c> over real histories). Bounded by the characters of the blocks held: past
/// <see cref="MaxCharacters"/> it starts again empty.
/// </remarks>
internal sealed class LockfileBlockMemo
{
    /// <summary>Block text held in all (each character once per kind of block).</summary>
    public const long MaxCharacters = 16L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Kind> _kinds = new(StringComparer.Ordinal);
    private long _characters, _hits, _misses;

    /// <summary>Blocks read from the memo, and blocks parsed (then held).</summary>
    public (long Hits, long Misses) Counts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>The value <paramref name="parse"/> gives for <paramref name="block"/>, parsed once per text and <paramref name="kind"/>.</summary>
    /// <param name="kind">Names what the block is (a format and section): the same text in another kind is another entry.</param>
    public T Get<T>(string kind, ReadOnlySpan<char> block, Func<string, T> parse)
        where T : class
    {
        var blocks = _kinds.GetOrAdd(kind, _ => new Kind());
        var lookup = blocks.Values.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(block, out var held) && held is T found)
        {
            Interlocked.Increment(ref _hits);
            return found;
        }

        Interlocked.Increment(ref _misses);
        var text = block.ToString();
        var parsed = parse(text);
        if (Interlocked.Add(ref _characters, text.Length) > MaxCharacters)
        {
            foreach (var other in _kinds.Values) other.Values.Clear();
            Interlocked.Exchange(ref _characters, text.Length);
        }

        blocks.Values[text] = parsed;
        return parsed;
    }

    private sealed class Kind
    {
        public ConcurrentDictionary<string, object> Values { get; } = new(StringComparer.Ordinal);
    }
}
