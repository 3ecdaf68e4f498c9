using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PipeWatch.Baselines;

/// <summary>One detector's baselines: loaded from the store on first use, cached, and written back when the engine commits a batch.</summary>
/// <remarks>
/// Not thread-safe: used by the single detection stage. Every baseline handed out is treated as changed. The cache is bounded, so a
/// service running for weeks over many repositories keeps a constant footprint: past <see cref="Capacity"/> entries, the least
/// recently used quarter is dropped, each changed one written to the storage first (it is read back on its next use).
/// </remarks>
public sealed class BaselineSet
{
    /// <summary>Baselines kept in memory per detector unless told otherwise.</summary>
    public const int DefaultCapacity = 32_768;

    private const int MinimumCapacity = 64;

    private readonly string _scope;
    private readonly IBaselineStorage _storage;
    private readonly Dictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly List<string> _dirty = [];
    private long _clock;

    /// <param name="scope">Prefix of every key in the store: the detector id.</param>
    /// <param name="storage">Where baselines are read and written.</param>
    /// <param name="capacity">Baselines kept in memory at most (at least 64).</param>
    public BaselineSet(string scope, IBaselineStorage storage, int capacity = DefaultCapacity)
    {
        _scope = scope;
        _storage = storage;
        Capacity = Math.Max(MinimumCapacity, capacity);
    }

    /// <summary>Baselines kept in memory at most.</summary>
    public int Capacity { get; }

    /// <summary>Baselines in memory now.</summary>
    public int Count => _cache.Count;

    /// <summary>Baselines dropped from memory so far (written first when changed).</summary>
    public long Evicted { get; private set; }

    /// <summary>The baseline for <paramref name="key"/>, created empty when there is none yet.</summary>
    public T Get<T>(string key) where T : class, IBaseline<T>
    {
        if (_cache.Count >= Capacity && !_cache.ContainsKey(key)) Evict();
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_cache, key, out var exists);
        if (!exists)
        {
            var (created, loaded) = Load<T>(key);
            entry = new Entry(created, T.FormatVersion, Dirty: false, LastUse: 0)
            {
                // Only a store other writers share needs what a Global baseline grew from (to merge theirs in at save).
                Shared = T.Scope == BaselineScope.Global && _storage.IsShared ? new SharedState(loaded, Codec<T>.Read) : null,
            };
        }

        entry.LastUse = ++_clock;

        if (entry.Value is not T value)
        {
            throw new InvalidOperationException($"Baseline '{_scope}|{key}' holds a {entry.Value.GetType().Name}, not a {typeof(T).Name}.");
        }

        if (!entry.Dirty)
        {
            entry.Dirty = true;
            _dirty.Add(key);
        }

        return value;
    }

    /// <summary>Writes every baseline handed out since the last flush.</summary>
    public void Flush()
    {
        if (_dirty.Count == 0) return;
        using var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        foreach (var key in _dirty)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_cache, key);
            // Evicted since (and written then), or listed twice after an eviction and a reload.
            if (Unsafe.IsNullRef(ref entry) || !entry.Dirty) continue;
            Save(key, ref entry, buffer, writer);
        }

        _dirty.Clear();
        if (!_storage.IsShared) return;
        // Other writers update shared baselines between batches: the next batch reads them again.
        foreach (var key in _cache.Where(p => p.Value.Shared is not null).Select(p => p.Key).ToList()) _cache.Remove(key);
    }

    // Drops the least recently used quarter, writing the changed ones first; the ones just handed out are the most recent.
    private void Evict()
    {
        var victims = _cache.OrderBy(p => p.Value.LastUse).Take(Math.Max(1, _cache.Count / 4)).Select(p => p.Key).ToList();
        using var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        foreach (var key in victims)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_cache, key);
            if (entry.Dirty) Save(key, ref entry, buffer, writer);
            _cache.Remove(key);
        }

        Evicted += victims.Count;
    }

    private void Save(string key, ref Entry entry, MemoryStream buffer, BinaryWriter writer)
    {
        buffer.SetLength(0);
        entry.Value.Write(writer);
        writer.Flush();
        var data = buffer.ToArray();
        if (entry.Shared is { } shared)
        {
            var merge = entry.Value is IMergeableBaseline mine ? Merger(mine, shared) : null;
            _storage.SaveShared($"{_scope}|{key}", entry.Version, data, shared.Loaded, merge);
            // What this writer learns from here on is counted from what it just saved.
            entry.Shared = shared with { Loaded = data };
        }
        else
        {
            _storage.SaveBaseline($"{_scope}|{key}", entry.Version, data);
        }

        entry.Dirty = false;
    }

    private static Func<byte[], byte[]> Merger(IMergeableBaseline mine, SharedState shared) => current =>
    {
        var merged = mine.MergedInto(shared.Read(current), shared.Loaded is null ? null : shared.Read(shared.Loaded));
        using var buffer = new MemoryStream();
        using var writer = new BinaryWriter(buffer);
        merged.Write(writer);
        writer.Flush();
        return buffer.ToArray();
    };

    private (T Value, byte[]? Loaded) Load<T>(string key) where T : class, IBaseline<T>
    {
        var stored = _storage.LoadBaseline($"{_scope}|{key}");
        if (stored is not { } found || found.Version != T.FormatVersion)
        {
            return (T.Create(), null);
        }

        using var reader = new BinaryReader(new MemoryStream(found.Data));
        return (T.Read(reader), found.Data);
    }

    private record struct Entry(IBaseline Value, byte Version, bool Dirty, long LastUse)
    {
        /// <summary>Set for a <see cref="BaselineScope.Global"/> baseline: what it grew from and how to read one of its type.</summary>
        public SharedState? Shared { get; set; }
    }

    private sealed record SharedState(byte[]? Loaded, Func<byte[], IBaseline> Read);

    private static class Codec<T> where T : class, IBaseline<T>
    {
        public static readonly Func<byte[], IBaseline> Read = bytes =>
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            return T.Read(reader);
        };
    }
}

/// <summary>Where <see cref="BaselineSet"/> reads and writes: the store's current batch.</summary>
public interface IBaselineStorage
{
    /// <summary>True when other processes write to the same storage (a shared store): <see cref="BaselineScope.Global"/> baselines are then read again every batch.</summary>
    bool IsShared => false;

    StoredBaseline? LoadBaseline(string key);

    void SaveBaseline(string key, byte version, byte[] data);

    /// <summary>
    /// Saves a <see cref="BaselineScope.Global"/> baseline, which other writers of a shared store may have saved since this one loaded
    /// it: such a store keeps their part, through <paramref name="merge"/>. A store with one writer saves <paramref name="data"/>.
    /// </summary>
    /// <param name="key">The baseline's key.</param>
    /// <param name="version">Its format version.</param>
    /// <param name="data">This writer's state.</param>
    /// <param name="loaded">The stored bytes this writer's state grew from (as loaded, or as it last saved them); null when it started empty.</param>
    /// <param name="merge">Given the bytes stored now, the bytes to store instead of <paramref name="data"/>; null when the type cannot merge (the last writer wins).</param>
    void SaveShared(string key, byte version, byte[] data, byte[]? loaded, Func<byte[], byte[]>? merge) => SaveBaseline(key, version, data);
}

/// <summary>A baseline whose state is counts that add up: what two writers learned from one stored state can be combined (see <see cref="IBaselineStorage.SaveShared"/>).</summary>
internal interface IMergeableBaseline
{
    /// <summary>A state holding what <paramref name="current"/> holds plus what this state learned since <paramref name="loaded"/> (null: since empty); both are of this type.</summary>
    IBaseline MergedInto(IBaseline current, IBaseline? loaded);
}

/// <summary>A baseline as stored: its format version and bytes.</summary>
public readonly record struct StoredBaseline(byte Version, byte[] Data);
