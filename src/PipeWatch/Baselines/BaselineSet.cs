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
            entry = new Entry(Load<T>(key), T.FormatVersion, Dirty: false, LastUse: 0);
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
        _storage.SaveBaseline($"{_scope}|{key}", entry.Version, buffer.ToArray());
        entry.Dirty = false;
    }

    private T Load<T>(string key) where T : class, IBaseline<T>
    {
        var stored = _storage.LoadBaseline($"{_scope}|{key}");
        if (stored is not { } found || found.Version != T.FormatVersion)
        {
            return T.Create();
        }

        using var reader = new BinaryReader(new MemoryStream(found.Data));
        return T.Read(reader);
    }

    private record struct Entry(IBaseline Value, byte Version, bool Dirty, long LastUse);
}

/// <summary>Where <see cref="BaselineSet"/> reads and writes: the store's current batch.</summary>
public interface IBaselineStorage
{
    StoredBaseline? LoadBaseline(string key);

    void SaveBaseline(string key, byte version, byte[] data);
}

/// <summary>A baseline as stored: its format version and bytes.</summary>
public readonly record struct StoredBaseline(byte Version, byte[] Data);
