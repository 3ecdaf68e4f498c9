using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Baselines;
using PipeWatch.Findings;

namespace PipeWatch.Store.Sqlite;

/// <summary>One transaction with its prepared statements.</summary>
internal sealed partial class SqliteStoreBatch : IStoreBatch
{
    private readonly SqliteTransaction _transaction;
    private readonly SqliteLedger _ledger;
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _loadBaseline;
    private readonly sqlite3_stmt _saveBaseline;
    private readonly SqliteCommand _addFinding;
    private readonly SqliteCommand _findIncidents;
    private readonly SqliteCommand _openIncident;
    private readonly SqliteCommand _addToIncident;
    private readonly SqliteCommand _mergeIncidents;
    private bool _committed;

    /// <param name="connection">The store's connection.</param>
    /// <param name="ledger">The store's event ledger, which lives across batches.</param>
    public SqliteStoreBatch(SqliteConnection connection, SqliteLedger ledger)
    {
        // BEGIN IMMEDIATE: the write lock is held from here, so the ledger's cache cannot go stale during the batch.
        _transaction = connection.BeginTransaction(deferred: false);
        _ledger = ledger;
        _ledger.BeginBatch();

        // Baselines are loaded once per key and written back once per key and batch: thousands a batch, so straight on the
        // SQLite handle, without a command's per-call overhead.
        _database = connection.Handle!;
        _loadBaseline = SqliteRaw.Prepare(_database, "SELECT version, data FROM baselines WHERE key = ?1");
        _saveBaseline = SqliteRaw.Prepare(_database, "INSERT OR REPLACE INTO baselines (key, version, data) VALUES (?1, ?2, ?3)");
        _addFinding = Prepare(
            connection,
            """
            INSERT OR IGNORE INTO findings (fingerprint, rule, category, severity, repository, timestamp, detected_at, body)
            VALUES ($fingerprint, $rule, $category, $severity, $repository, $timestamp, $detected_at, $body)
            """,
            "$fingerprint", "$rule", "$category", "$severity", "$repository", "$timestamp", "$detected_at", "$body");
        _findIncidents = Prepare(
            connection,
            """
            SELECT id FROM incidents WHERE id IN (
                SELECT incident_id FROM incident_findings WHERE actor IN ($actor, $target) AND timestamp BETWEEN $from AND $to
                UNION
                SELECT incident_id FROM incident_findings WHERE target IN ($actor, $target) AND timestamp BETWEEN $from AND $to
                UNION
                SELECT incident_id FROM incident_findings WHERE run = $run AND timestamp BETWEEN $from AND $to)
            ORDER BY first_seen, id
            """,
            "$actor", "$run", "$from", "$to", "$target");
        _openIncident = Prepare(
            connection,
            """
            INSERT INTO incidents (id, first_seen, last_seen, severity) VALUES ($id, $timestamp, $timestamp, $severity)
            ON CONFLICT (id) DO UPDATE SET
                first_seen = min(first_seen, excluded.first_seen),
                last_seen = max(last_seen, excluded.last_seen),
                severity = max(severity, excluded.severity)
            """,
            "$id", "$timestamp", "$severity");
        _addToIncident = Prepare(
            connection,
            "INSERT OR REPLACE INTO incident_findings (fingerprint, incident_id, timestamp, actor, run, target) VALUES ($fingerprint, $id, $timestamp, $actor, $run, $target)",
            "$fingerprint", "$id", "$timestamp", "$actor", "$run", "$target");
        _mergeIncidents = Prepare(
            connection,
            """
            UPDATE incidents SET
                first_seen = min(first_seen, (SELECT first_seen FROM incidents WHERE id = $from)),
                last_seen = max(last_seen, (SELECT last_seen FROM incidents WHERE id = $from)),
                severity = max(severity, (SELECT severity FROM incidents WHERE id = $from))
            WHERE id = $into AND EXISTS (SELECT 1 FROM incidents WHERE id = $from);
            UPDATE incident_findings SET incident_id = $into WHERE incident_id = $from;
            DELETE FROM incidents WHERE id = $from;
            """,
            "$from", "$into");
    }

    public bool TryRecordEvent(string eventId, DateTimeOffset? occurred) => _ledger.TryRecord(eventId, occurred);

    public StoredBaseline? LoadBaseline(string key)
    {
        try
        {
            raw.sqlite3_bind_text(_loadBaseline, 1, key);
            var result = raw.sqlite3_step(_loadBaseline);
            if (result == raw.SQLITE_DONE) return null;
            if (result != raw.SQLITE_ROW) SqliteException.ThrowExceptionForRC(result, _database);
            return new StoredBaseline((byte)raw.sqlite3_column_int64(_loadBaseline, 0), raw.sqlite3_column_blob(_loadBaseline, 1).ToArray());
        }
        finally
        {
            raw.sqlite3_reset(_loadBaseline);
        }
    }

    public void SaveBaseline(string key, byte version, byte[] data)
    {
        try
        {
            raw.sqlite3_bind_text(_saveBaseline, 1, key);
            raw.sqlite3_bind_int64(_saveBaseline, 2, version);
            // An empty span may bind as NULL: an empty baseline is bound as a zero-length blob.
            if (data.Length == 0) raw.sqlite3_bind_zeroblob(_saveBaseline, 3, 0);
            else raw.sqlite3_bind_blob(_saveBaseline, 3, data);
            var result = raw.sqlite3_step(_saveBaseline);
            if (result != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(result, _database);
        }
        finally
        {
            raw.sqlite3_reset(_saveBaseline);
        }
    }

    public bool TryAddFinding(Finding finding)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            FindingJson.Write(writer, finding);
        }

        var p = _addFinding.Parameters;
        p[0].Value = finding.Fingerprint;
        p[1].Value = finding.Rule;
        p[2].Value = finding.Category;
        p[3].Value = (long)finding.Severity;
        p[4].Value = (object?)finding.Entity.Repository ?? DBNull.Value;
        p[5].Value = SqliteStore.Iso(finding.Timestamp);
        p[6].Value = SqliteStore.Iso(finding.DetectedAt);
        p[7].Value = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        return _addFinding.ExecuteNonQuery() == 1;
    }

    public IReadOnlyList<string> FindLinkedIncidents(CorrelationKeys keys, DateTimeOffset from, DateTimeOffset to)
    {
        var p = _findIncidents.Parameters;
        p[0].Value = (object?)keys.Actor ?? DBNull.Value;
        p[1].Value = (object?)keys.Run ?? DBNull.Value;
        p[2].Value = SqliteStore.Iso(from);
        p[3].Value = SqliteStore.Iso(to);
        p[4].Value = (object?)keys.Target ?? DBNull.Value;
        var ids = new List<string>();
        using var reader = _findIncidents.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public void AddToIncident(string incidentId, Finding finding, CorrelationKeys keys)
    {
        var timestamp = SqliteStore.Iso(finding.Timestamp);
        var open = _openIncident.Parameters;
        open[0].Value = incidentId;
        open[1].Value = timestamp;
        open[2].Value = (long)finding.Severity;
        _openIncident.ExecuteNonQuery();
        var add = _addToIncident.Parameters;
        add[0].Value = finding.Fingerprint;
        add[1].Value = incidentId;
        add[2].Value = timestamp;
        add[3].Value = (object?)keys.Actor ?? DBNull.Value;
        add[4].Value = (object?)keys.Run ?? DBNull.Value;
        add[5].Value = (object?)keys.Target ?? DBNull.Value;
        _addToIncident.ExecuteNonQuery();
    }

    public void MergeIncidents(string from, string into)
    {
        _mergeIncidents.Parameters[0].Value = from;
        _mergeIncidents.Parameters[1].Value = into;
        _mergeIncidents.ExecuteNonQuery();
    }

    public void Commit()
    {
        _ledger.Save();
        _transaction.Commit();
        _committed = true;
        _ledger.Committed();
    }

    public void Dispose()
    {
        if (!_committed)
        {
            _transaction.Rollback();
            _ledger.RolledBack();
        }

        _loadBaseline.Dispose();
        _saveBaseline.Dispose();
        _addFinding.Dispose();
        _findIncidents.Dispose();
        _openIncident.Dispose();
        _addToIncident.Dispose();
        _mergeIncidents.Dispose();
        _queueAlert?.Dispose();
        _transaction.Dispose();
    }

    private SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }
}
