using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace PipeWatch.Store.Sqlite;

/// <summary>
/// The event ledger: which events were ingested, as 64-bit hashes of (event time, event id) kept in ten-minute buckets,
/// each bucket one row whose blob holds its hashes (migration 5).
/// </summary>
/// <remarks>
/// <para>
/// A row per event cost about a microsecond of SQLite work per event, as much as a detector. A bucket is read once into a
/// hash set, every event of its ten minutes is checked and added in memory, and the buckets changed are written back when
/// the batch commits, in the same transaction: 8 bytes per event. Time-ordered input touches one bucket after another.
/// Events without a time are spread over 1,024 buckets of their own by hash.
/// </para>
/// <para>
/// Buckets stay cached across batches, about <see cref="DefaultCachedHashes"/> hashes at most, the least recently used dropped first.
/// Another connection's commit (seen through <c>PRAGMA data_version</c>) or a rollback empties the cache, so what is
/// cached always matches the file. The ledgers of older stores (<c>ingested_events</c> before migration 3, <c>event_ledger</c>
/// before migration 5) stay, read-only, and are still consulted while they hold events.
/// </para>
/// </remarks>
internal sealed class SqliteLedger : IDisposable
{
    /// <summary>Hashes kept in memory across batches by default, about 24 bytes each.</summary>
    public const int DefaultCachedHashes = 1 << 20;

    private const long BucketSeconds = 600;
    private const int UntimedBuckets = 1024;

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _load;
    private readonly sqlite3_stmt _save;
    private readonly sqlite3_stmt? _findInIdLedger;
    private readonly sqlite3_stmt? _findInTimeLedger;
    private readonly sqlite3_stmt _dataVersionQuery;
    private readonly Dictionary<long, Bucket> _buckets = [];
    private readonly List<long> _dirty = [];
    private readonly long _cacheLimit;
    private long _cached;
    private long _dataVersion;
    private long _batch;

    // Time-ordered input hits one bucket many times in a row: the last one is kept at hand.
    private long _lastKey;
    private Bucket? _last;

    // A new bucket starts sized like the last one that filled up, so that it does not grow (and copy) step by step.
    private int _typicalSize = 16;

    /// <param name="connection">The store's open connection, migrated.</param>
    /// <param name="cachedHashes">How many hashes to keep in memory across batches.</param>
    public SqliteLedger(SqliteConnection connection, long cachedHashes = DefaultCachedHashes)
    {
        _connection = connection;
        _cacheLimit = cachedHashes;
        _database = connection.Handle!;
        _load = SqliteRaw.Prepare(_database, "SELECT hashes FROM ledger_buckets WHERE bucket = ?1");
        _save = SqliteRaw.Prepare(_database, "INSERT OR REPLACE INTO ledger_buckets (bucket, hashes) VALUES (?1, ?2)");
        if (HoldsRows("ingested_events")) _findInIdLedger = SqliteRaw.Prepare(_database, "SELECT 1 FROM ingested_events WHERE id = ?1");
        if (HoldsRows("event_ledger")) _findInTimeLedger = SqliteRaw.Prepare(_database, "SELECT 1 FROM event_ledger WHERE t = ?1 AND id = ?2");
        _dataVersionQuery = SqliteRaw.Prepare(_database, "PRAGMA data_version");
        _dataVersion = DataVersion();
    }

    /// <summary>Buckets held in memory now (for tests).</summary>
    internal int CachedBuckets => _buckets.Count;

    /// <summary>Called once a batch's transaction holds the write lock: forgets the cache when another connection has written since.</summary>
    public void BeginBatch()
    {
        _batch++;
        var version = DataVersion();
        if (version == _dataVersion) return;
        _dataVersion = version;
        Forget();
    }

    /// <summary>Records the event; false when the ledger holds it already.</summary>
    public bool TryRecord(string eventId, DateTimeOffset? occurred)
    {
        var time = occurred?.ToUnixTimeSeconds() ?? 0;
        var length = Encoding.UTF8.GetMaxByteCount(eventId.Length);
        var rented = length <= 512 ? null : ArrayPool<byte>.Shared.Rent(length);
        var bytes = rented is null ? stackalloc byte[length] : rented;
        try
        {
            var id = bytes[..Encoding.UTF8.GetBytes(eventId, bytes)];
            if ((_findInIdLedger is not null || _findInTimeLedger is not null) && InOlderLedger(XxHash3.HashToUInt64(id), time)) return false;
            var hash = XxHash3.HashToUInt64(id, time);
            var key = occurred is null ? long.MinValue + (long)(hash % UntimedBuckets) : Math.DivRem(time, BucketSeconds) switch
            {
                (var q, < 0) => q - 1,
                (var q, _) => q,
            };
            var bucket = Get(key);
            bucket.LastUsed = _batch;
            if (!bucket.Hashes.Add(hash)) return false;
            _cached++;
            if (!bucket.Dirty)
            {
                bucket.Dirty = true;
                _dirty.Add(key);
            }

            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes the buckets changed in this batch; the caller commits the transaction next.</summary>
    public void Save()
    {
        byte[]? buffer = null;
        try
        {
            foreach (var key in _dirty)
            {
                var bucket = _buckets[key];
                var size = bucket.Hashes.Count * sizeof(ulong);
                if (buffer is null || buffer.Length < size)
                {
                    if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(size);
                }

                var at = 0;
                foreach (var hash in bucket.Hashes)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(at), hash);
                    at += sizeof(ulong);
                }

                raw.sqlite3_bind_int64(_save, 1, key);
                raw.sqlite3_bind_blob(_save, 2, buffer.AsSpan(0, size));
                Step(_save);
                bucket.Dirty = false;
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }

        _dirty.Clear();
    }

    /// <summary>After a commit: keeps the cache within its limit, dropping the buckets used least recently down to half of it.</summary>
    public void Committed()
    {
        _dataVersion = DataVersion();
        if (_cached <= _cacheLimit) return;
        foreach (var (key, bucket) in _buckets.OrderBy(b => b.Value.LastUsed).ThenBy(b => b.Key).ToList())
        {
            if (_cached <= _cacheLimit / 2) break;
            if (ReferenceEquals(bucket, _last)) _last = null;
            _buckets.Remove(key);
            _cached -= bucket.Hashes.Count;
        }
    }

    /// <summary>After a rollback: what the cache holds may not be in the file any more.</summary>
    public void RolledBack() => Forget();

    public void Dispose()
    {
        _load.Dispose();
        _save.Dispose();
        _findInIdLedger?.Dispose();
        _findInTimeLedger?.Dispose();
        _dataVersionQuery.Dispose();
    }

    private Bucket Get(long key)
    {
        if (_last is not null && _lastKey == key) return _last;
        if (_last is not null) _typicalSize = Math.Clamp(_last.Hashes.Count, 16, 1 << 16);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = Load(key);
            _buckets.Add(key, bucket);
        }

        _lastKey = key;
        _last = bucket;
        return bucket;
    }

    private Bucket Load(long key)
    {
        var bucket = new Bucket();
        raw.sqlite3_bind_int64(_load, 1, key);
        try
        {
            var result = raw.sqlite3_step(_load);
            if (result == raw.SQLITE_ROW)
            {
                var stored = raw.sqlite3_column_blob(_load, 0);
                bucket.Hashes.EnsureCapacity((stored.Length / sizeof(ulong)) + 64);
                for (var at = 0; at + sizeof(ulong) <= stored.Length; at += sizeof(ulong))
                {
                    bucket.Hashes.Add(BinaryPrimitives.ReadUInt64LittleEndian(stored[at..]));
                }

                _cached += bucket.Hashes.Count;
            }
            else if (result == raw.SQLITE_DONE)
            {
                bucket.Hashes.EnsureCapacity(_typicalSize);
            }
            else
            {
                SqliteException.ThrowExceptionForRC(result, _database);
            }
        }
        finally
        {
            raw.sqlite3_reset(_load);
        }

        return bucket;
    }

    private bool InOlderLedger(ulong idHash, long time)
    {
        var id = unchecked((long)idHash);
        if (_findInIdLedger is not null)
        {
            raw.sqlite3_bind_int64(_findInIdLedger, 1, id);
            if (Step(_findInIdLedger) == raw.SQLITE_ROW) return true;
        }

        if (_findInTimeLedger is not null)
        {
            raw.sqlite3_bind_int64(_findInTimeLedger, 1, time);
            raw.sqlite3_bind_int64(_findInTimeLedger, 2, id);
            if (Step(_findInTimeLedger) == raw.SQLITE_ROW) return true;
        }

        return false;
    }

    private void Forget()
    {
        _last = null;
        _buckets.Clear();
        _dirty.Clear();
        _cached = 0;
    }

    /// <summary>Steps once and resets; throws on an error.</summary>
    private int Step(sqlite3_stmt statement)
    {
        var result = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (result is not (raw.SQLITE_DONE or raw.SQLITE_ROW)) SqliteException.ThrowExceptionForRC(result, _database);
        return result;
    }

    private bool HoldsRows(string table)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT EXISTS (SELECT 1 FROM {table})";
        return (long)command.ExecuteScalar()! == 1;
    }

    /// <summary>Changes whenever another connection commits to the file (not on this connection's own commits).</summary>
    private long DataVersion()
    {
        try
        {
            var result = raw.sqlite3_step(_dataVersionQuery);
            if (result != raw.SQLITE_ROW) SqliteException.ThrowExceptionForRC(result, _database);
            return raw.sqlite3_column_int64(_dataVersionQuery, 0);
        }
        finally
        {
            raw.sqlite3_reset(_dataVersionQuery);
        }
    }

    private sealed class Bucket
    {
        public HashSet<ulong> Hashes { get; } = [];

        public bool Dirty { get; set; }

        public long LastUsed { get; set; }
    }
}
