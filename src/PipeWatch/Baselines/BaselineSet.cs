using System.Runtime.InteropServices;

namespace PipeWatch.Baselines;

/// <summary>One detector's baselines: loaded from the store on first use, cached, and written back when the engine commits a batch.</summary>
/// <remarks>Not thread-safe: used by the single detection stage. Every baseline handed out is treated as changed.</remarks>
public sealed class BaselineSet
{
    private readonly string _scope;
    private readonly IBaselineStorage _storage;
    private readonly Dictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly List<string> _dirty = [];

    /// <param name="scope">Prefix of every key in the store: the detector id.</param>
    /// <param name="storage">Where baselines are read and written.</param>
    public BaselineSet(string scope, IBaselineStorage storage)
    {
        _scope = scope;
        _storage = storage;
    }

    /// <summary>The baseline for <paramref name="key"/>, created empty when there is none yet.</summary>
    public T Get<T>(string key) where T : class, IBaseline<T>
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_cache, key, out var exists);
        if (!exists)
        {
            entry = new Entry(Load<T>(key), T.FormatVersion, Dirty: false);
        }

        if (entry.Value is not T value)
        {
            throw new InvalidOperationException($"Baseline '{_scope}|{key}' holds a {entry.Value.GetType().Name}, not a {typeof(T).Name}.");
        }

        if (!entry.Dirty)
        {
            entry = entry with { Dirty = true };
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
            buffer.SetLength(0);
            entry.Value.Write(writer);
            writer.Flush();
            _storage.SaveBaseline($"{_scope}|{key}", entry.Version, buffer.ToArray());
            entry = entry with { Dirty = false };
        }

        _dirty.Clear();
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

    private readonly record struct Entry(IBaseline Value, byte Version, bool Dirty);
}

/// <summary>Where <see cref="BaselineSet"/> reads and writes: the store's current batch.</summary>
public interface IBaselineStorage
{
    StoredBaseline? LoadBaseline(string key);

    void SaveBaseline(string key, byte version, byte[] data);
}

/// <summary>A baseline as stored: its format version and bytes.</summary>
public readonly record struct StoredBaseline(byte Version, byte[] Data);
