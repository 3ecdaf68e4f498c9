using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Baselines;
using PipeWatch.Findings;

namespace PipeWatch.Store.Postgres;

/// <summary>One transaction on a connection of its own: the ledger and findings a block at a time, baselines written at commit.</summary>
/// <remarks>
/// <para>
/// Round trips: one per block for the ledger (<see cref="RecordEvents"/>) and for findings (<see cref="AddFindings"/>), one per
/// baseline key on first load, two at commit for every baseline written, one per incident call.
/// </para>
/// <para>
/// Shared state (issue 23, item 3). A baseline of <see cref="BaselineScope.Global"/> scope (per actor, estate-wide) is written
/// under a transaction-scoped advisory lock of its key, taken in one order by every writer (so two never deadlock), after
/// reading the row as it is now: when another writer changed it since this one loaded it, the two are merged
/// (<see cref="IMergeableBaseline"/>: counts add up), so concurrent updates of one actor lose nothing. Findings and incidents are
/// written under one advisory lock (<see cref="PostgresStore.FindingsLock"/>), held to the commit: findings are numbered in
/// commit order (the read side's cursor contract) and incident correlation, a read-then-write across findings, is serialized.
/// </para>
/// </remarks>
internal sealed partial class PostgresStoreBatch : IStoreBatch
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly NpgsqlCommand _loadBaseline;
    private readonly Dictionary<string, PendingBaseline> _pending = new(StringComparer.Ordinal);
    private bool _findingsLocked;
    private bool _committed;

    public PostgresStoreBatch(NpgsqlConnection connection)
    {
        _connection = connection;
        try
        {
            _transaction = connection.BeginTransaction();
            _loadBaseline = new NpgsqlCommand("SELECT version, data FROM baselines WHERE key = @key", connection, _transaction);
            _loadBaseline.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text));
            _loadBaseline.Prepare();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Other processes write to this store: shared baselines are read again every batch.</summary>
    public bool IsShared => true;

    public bool TryRecordEvent(string eventId, DateTimeOffset? occurred)
    {
        Span<bool> isNew = stackalloc bool[1];
        RecordEvents([new LedgerEntry(eventId, occurred)], isNew);
        return isNew[0];
    }

    public void RecordEvents(ReadOnlySpan<LedgerEntry> events, Span<bool> isNew)
    {
        if (isNew.Length < events.Length) throw new ArgumentException("one flag per event is needed", nameof(isNew));
        if (events.Length == 0) return;
        var times = new long[events.Length];
        var ids = new long[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            (times[i], ids[i]) = LedgerKey(events[i]);
        }

        // One statement for the block; a key twice in it is inserted once. What the statement inserted is what is new.
        using var command = new NpgsqlCommand(
            "INSERT INTO event_ledger (t, id) SELECT * FROM unnest(@t, @id) ON CONFLICT DO NOTHING RETURNING t, id", _connection, _transaction);
        command.Parameters.Add(new NpgsqlParameter<long[]>("t", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = times });
        command.Parameters.Add(new NpgsqlParameter<long[]>("id", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = ids });
        var inserted = new HashSet<(long, long)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read()) inserted.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        for (var i = 0; i < events.Length; i++) isNew[i] = inserted.Remove((times[i], ids[i]));
    }

    public StoredBaseline? LoadBaseline(string key)
    {
        if (_pending.TryGetValue(key, out var pending)) return new StoredBaseline(pending.Version, pending.Data);
        _loadBaseline.Parameters[0].Value = key;
        using var reader = _loadBaseline.ExecuteReader();
        return reader.Read() ? new StoredBaseline((byte)reader.GetInt16(0), reader.GetFieldValue<byte[]>(1)) : null;
    }

    public void SaveBaseline(string key, byte version, byte[] data) => _pending[key] = new PendingBaseline(version, data, Shared: false, null, null);

    public void SaveShared(string key, byte version, byte[] data, byte[]? loaded, Func<byte[], byte[]>? merge) =>
        _pending[key] = new PendingBaseline(version, data, Shared: true, loaded, merge);

    public bool TryAddFinding(Finding finding)
    {
        Span<bool> added = stackalloc bool[1];
        AddFindings([finding], added);
        return added[0];
    }

    public void AddFindings(IReadOnlyList<Finding> findings, Span<bool> added)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (added.Length < findings.Count) throw new ArgumentException("one flag per finding is needed", nameof(findings));
        if (findings.Count == 0) return;
        var fingerprints = new string[findings.Count];
        var rules = new string[findings.Count];
        var categories = new string[findings.Count];
        var severities = new int[findings.Count];
        var repositories = new string?[findings.Count];
        var timestamps = new DateTime[findings.Count];
        var detected = new DateTime[findings.Count];
        var bodies = new string[findings.Count];
        using var buffer = new MemoryStream();
        for (var i = 0; i < findings.Count; i++)
        {
            var finding = findings[i];
            buffer.SetLength(0);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                FindingJson.Write(writer, finding);
            }

            fingerprints[i] = finding.Fingerprint;
            rules[i] = finding.Rule;
            categories[i] = finding.Category;
            severities[i] = (int)finding.Severity;
            repositories[i] = finding.Entity.Repository;
            timestamps[i] = finding.Timestamp.UtcDateTime;
            detected[i] = finding.DetectedAt.UtcDateTime;
            bodies[i] = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        using var batch = new NpgsqlBatch(_connection, _transaction);
        if (!_findingsLocked) batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({PostgresStore.FindingsLock})"));
        var insert = new NpgsqlBatchCommand(
            """
            INSERT INTO findings (fingerprint, rule, category, severity, repository, timestamp, detected_at, body)
            SELECT * FROM unnest(@fingerprint, @rule, @category, @severity, @repository, @timestamp, @detected_at, @body)
            ON CONFLICT (fingerprint) DO NOTHING
            RETURNING fingerprint
            """);
        insert.Parameters.Add(Array("fingerprint", NpgsqlDbType.Text, fingerprints));
        insert.Parameters.Add(Array("rule", NpgsqlDbType.Text, rules));
        insert.Parameters.Add(Array("category", NpgsqlDbType.Text, categories));
        insert.Parameters.Add(Array("severity", NpgsqlDbType.Integer, severities));
        insert.Parameters.Add(Array("repository", NpgsqlDbType.Text, repositories));
        insert.Parameters.Add(Array("timestamp", NpgsqlDbType.TimestampTz, timestamps));
        insert.Parameters.Add(Array("detected_at", NpgsqlDbType.TimestampTz, detected));
        insert.Parameters.Add(Array("body", NpgsqlDbType.Text, bodies));
        batch.BatchCommands.Add(insert);
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = batch.ExecuteReader())
        {
            if (!_findingsLocked) reader.NextResult();
            while (reader.Read()) inserted.Add(reader.GetString(0));
        }

        _findingsLocked = true;
        for (var i = 0; i < findings.Count; i++) added[i] = inserted.Remove(fingerprints[i]);
    }

    public IReadOnlyList<string> FindLinkedIncidents(CorrelationKeys keys, DateTimeOffset from, DateTimeOffset to)
    {
        LockFindings();
        using var command = new NpgsqlCommand(
            """
            SELECT id FROM incidents WHERE id IN (
                SELECT incident_id FROM incident_findings WHERE actor IN (@actor, @target) AND timestamp BETWEEN @from AND @to
                UNION
                SELECT incident_id FROM incident_findings WHERE target IN (@actor, @target) AND timestamp BETWEEN @from AND @to
                UNION
                SELECT incident_id FROM incident_findings WHERE run = @run AND timestamp BETWEEN @from AND @to)
            ORDER BY first_seen, id
            """,
            _connection,
            _transaction);
        command.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Text) { Value = (object?)keys.Actor ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("target", NpgsqlDbType.Text) { Value = (object?)keys.Target ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("run", NpgsqlDbType.Text) { Value = (object?)keys.Run ?? DBNull.Value });
        command.Parameters.AddWithValue("from", from.UtcDateTime);
        command.Parameters.AddWithValue("to", to.UtcDateTime);
        var ids = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }

    public void AddToIncident(string incidentId, Finding finding, CorrelationKeys keys)
    {
        LockFindings();
        using var command = new NpgsqlCommand(
            """
            INSERT INTO incidents (id, first_seen, last_seen, severity) VALUES (@id, @timestamp, @timestamp, @severity)
            ON CONFLICT (id) DO UPDATE SET
                first_seen = least(incidents.first_seen, excluded.first_seen),
                last_seen = greatest(incidents.last_seen, excluded.last_seen),
                severity = greatest(incidents.severity, excluded.severity);
            INSERT INTO incident_findings (fingerprint, incident_id, timestamp, actor, run, target)
            VALUES (@fingerprint, @id, @timestamp, @actor, @run, @target)
            ON CONFLICT (fingerprint) DO UPDATE SET
                incident_id = excluded.incident_id, timestamp = excluded.timestamp, actor = excluded.actor, run = excluded.run, target = excluded.target;
            """,
            _connection,
            _transaction);
        command.Parameters.AddWithValue("id", incidentId);
        command.Parameters.AddWithValue("timestamp", finding.Timestamp.UtcDateTime);
        command.Parameters.AddWithValue("severity", (int)finding.Severity);
        command.Parameters.AddWithValue("fingerprint", finding.Fingerprint);
        command.Parameters.Add(new NpgsqlParameter("actor", NpgsqlDbType.Text) { Value = (object?)keys.Actor ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("run", NpgsqlDbType.Text) { Value = (object?)keys.Run ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("target", NpgsqlDbType.Text) { Value = (object?)keys.Target ?? DBNull.Value });
        command.ExecuteNonQuery();
    }

    public void MergeIncidents(string from, string into)
    {
        LockFindings();
        using var command = new NpgsqlCommand(
            """
            UPDATE incidents SET
                first_seen = least(incidents.first_seen, f.first_seen),
                last_seen = greatest(incidents.last_seen, f.last_seen),
                severity = greatest(incidents.severity, f.severity)
            FROM incidents f WHERE incidents.id = @into AND f.id = @from;
            UPDATE incident_findings SET incident_id = @into WHERE incident_id = @from;
            DELETE FROM incidents WHERE id = @from;
            """,
            _connection,
            _transaction);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("into", into);
        command.ExecuteNonQuery();
    }

    public void Commit()
    {
        SaveBaselines();
        _transaction.Commit();
        _committed = true;
    }

    public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SaveBaselines();
        await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _committed = true;
    }

    public void Dispose()
    {
        try
        {
            if (!_committed) _transaction.Rollback();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The connection broke, or a failed commit ended the transaction: the server has rolled it back.
        }
        finally
        {
            _loadBaseline.Dispose();
            _transaction.Dispose();
            _connection.Dispose();
        }
    }

    /// <summary>The ledger key of an event: its time in Unix seconds (0 without one) and the 64-bit XxHash3 of its id seeded with that time.</summary>
    internal static (long Time, long Id) LedgerKey(LedgerEntry entry)
    {
        var time = entry.Occurred?.ToUnixTimeSeconds() ?? 0;
        return (time, unchecked((long)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(entry.EventId), time)));
    }

    private void LockFindings()
    {
        if (_findingsLocked) return;
        using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgresStore.FindingsLock})", _connection, _transaction);
        command.ExecuteNonQuery();
        _findingsLocked = true;
    }

    // Shared baselines: lock their keys (in hash order, the same in every writer), read them as they are now, merge where another
    // writer changed them since they were loaded. Then every baseline of the batch in one statement.
    private void SaveBaselines()
    {
        if (_pending.Count == 0) return;
        var shared = _pending.Where(p => p.Value.Shared).Select(p => p.Key).ToArray();
        if (shared.Length > 0)
        {
            var current = new Dictionary<string, (byte Version, byte[] Data)>(StringComparer.Ordinal);
            using (var batch = new NpgsqlBatch(_connection, _transaction))
            {
                var lockKeys = new NpgsqlBatchCommand(
                    "SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended(k, 23) AS h FROM unnest(@keys) AS k ORDER BY 1 OFFSET 0) AS ordered");
                lockKeys.Parameters.Add(Array("keys", NpgsqlDbType.Text, shared));
                var read = new NpgsqlBatchCommand("SELECT key, version, data FROM baselines WHERE key = ANY(@keys)");
                read.Parameters.Add(Array("keys", NpgsqlDbType.Text, shared));
                batch.BatchCommands.Add(lockKeys);
                batch.BatchCommands.Add(read);
                using var reader = batch.ExecuteReader();
                reader.NextResult();
                while (reader.Read()) current[reader.GetString(0)] = ((byte)reader.GetInt16(1), reader.GetFieldValue<byte[]>(2));
            }

            foreach (var key in shared)
            {
                var pending = _pending[key];
                // Nothing stored, another format (learned again), nothing changed since loaded, or a type that cannot merge: this state as it is.
                if (!current.TryGetValue(key, out var now) || now.Version != pending.Version || pending.Merge is null) continue;
                if (pending.Loaded is not null && now.Data.AsSpan().SequenceEqual(pending.Loaded)) continue;
                _pending[key] = pending with { Data = pending.Merge(now.Data) };
            }
        }

        var keys = _pending.Keys.ToArray();
        using var upsert = new NpgsqlCommand(
            """
            INSERT INTO baselines (key, version, data) SELECT * FROM unnest(@key, @version, @data)
            ON CONFLICT (key) DO UPDATE SET version = excluded.version, data = excluded.data
            """,
            _connection,
            _transaction);
        upsert.Parameters.Add(Array("key", NpgsqlDbType.Text, keys));
        upsert.Parameters.Add(Array("version", NpgsqlDbType.Smallint, keys.Select(k => (short)_pending[k].Version).ToArray()));
        upsert.Parameters.Add(Array("data", NpgsqlDbType.Bytea, keys.Select(k => _pending[k].Data).ToArray()));
        upsert.ExecuteNonQuery();
        _pending.Clear();
    }

    private static NpgsqlParameter<T[]> Array<T>(string name, NpgsqlDbType type, T[] values) =>
        new(name, NpgsqlDbType.Array | type) { TypedValue = values };

    private readonly record struct PendingBaseline(byte Version, byte[] Data, bool Shared, byte[]? Loaded, Func<byte[], byte[]>? Merge);
}
