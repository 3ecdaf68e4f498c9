namespace PipeWatch.Baselines;

/// <summary>Counts per key in a map that never holds more than a capacity: a new key past it evicts the least counted one.</summary>
internal static class CappedCounts
{
    /// <summary>Adds one to <paramref name="key"/>'s count, making room for a new key by evicting the least counted.</summary>
    public static void Increment<T>(Dictionary<T, long> counts, T key, int capacity) where T : notnull
    {
        if (counts.TryGetValue(key, out var count))
        {
            counts[key] = count + 1;
            return;
        }

        if (counts.Count >= capacity) counts.Remove(counts.MinBy(c => c.Value).Key);
        counts[key] = 1;
    }

    /// <summary>
    /// The <paramref name="count"/> largest counts, largest first, equal counts in <paramref name="keyOrder"/>: what
    /// <c>OrderByDescending(count).ThenBy(key).Take(count)</c> gives, in one pass over the map without sorting all of it.
    /// </summary>
    /// <remarks>An explanation naming the top authors is written for every new author: sorting a thousand of them each time made
    /// the top-five list most of the author check's cost on long histories.</remarks>
    public static List<KeyValuePair<T, long>> Top<T>(Dictionary<T, long> counts, int count, IComparer<T> keyOrder) where T : notnull
    {
        var top = new List<KeyValuePair<T, long>>(Math.Max(count, 0) + 1);
        if (count <= 0) return top;
        foreach (var entry in counts)
        {
            if (top.Count == count && !Before(entry, top[^1])) continue;
            var at = top.Count;
            while (at > 0 && Before(entry, top[at - 1])) at--;
            top.Insert(at, entry);
            if (top.Count > count) top.RemoveAt(count);
        }

        return top;

        bool Before(KeyValuePair<T, long> a, KeyValuePair<T, long> b) => a.Value > b.Value || (a.Value == b.Value && keyOrder.Compare(a.Key, b.Key) < 0);
    }

    /// <summary>Writes a count map keyed by text: its size, then each key and count.</summary>
    public static void Write(BinaryWriter writer, Dictionary<string, long> counts)
    {
        writer.Write(counts.Count);
        foreach (var (key, count) in counts)
        {
            writer.Write(key);
            writer.Write(count);
        }
    }

    /// <summary>Reads into <paramref name="counts"/> what <see cref="Write"/> wrote.</summary>
    public static void Read(BinaryReader reader, Dictionary<string, long> counts)
    {
        var size = reader.ReadInt32();
        for (var i = 0; i < size; i++) counts[reader.ReadString()] = reader.ReadInt64();
    }

    /// <summary>
    /// Counts of <paramref name="current"/> plus what <paramref name="mine"/> added since <paramref name="loaded"/> (null: since
    /// empty), per key; keys left at zero or below are dropped, then the least counted past the capacity.
    /// </summary>
    public static Dictionary<T, long> Merged<T>(Dictionary<T, long> current, Dictionary<T, long> mine, Dictionary<T, long>? loaded, int capacity, IEqualityComparer<T>? comparer = null)
        where T : notnull
    {
        var merged = new Dictionary<T, long>(current, comparer);
        foreach (var key in mine.Keys.Union(loaded?.Keys ?? Enumerable.Empty<T>(), comparer))
        {
            var delta = mine.GetValueOrDefault(key) - (loaded?.GetValueOrDefault(key) ?? 0);
            var count = merged.GetValueOrDefault(key) + delta;
            if (count > 0) merged[key] = count;
            else merged.Remove(key);
        }

        while (merged.Count > capacity) merged.Remove(merged.MinBy(c => c.Value).Key);
        return merged;
    }
}
