using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Baselines;
using PipeWatch.Findings;

namespace PipeWatch.Store.Sqlite;

/// <summary>The embedded default store: one SQLite file in WAL mode, migrated on open.</summary>
public sealed class SqliteStore : IStore
{
    private readonly SqliteConnection _connection;

    private SqliteStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens (creating folder and file when missing) and migrates the store at <paramref name="path"/>.</summary>
    /// <exception cref="StoreException">The file is not a PipeWatch store, is from a newer version, or cannot be opened.</exception>
    public static SqliteStore Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        SqliteConnection? connection = null;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 5000;");
            // Refuse a foreign file before changing anything in it (the journal mode is stored in the file).
            Validate(connection, full);
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            Migrate(connection);
            return new SqliteStore(connection, full);
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            throw new StoreException($"{full}: not a usable PipeWatch store ({ex.Message.TrimEnd('.')})", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw new StoreException($"{full}: cannot open the store ({ex.Message})", ex);
        }
    }

    public IStoreBatch BeginBatch() => new Batch(_connection);

    public IReadOnlyList<Finding> QueryFindings(FindingQuery query)
    {
        using var command = _connection.CreateCommand();
        var sql = new StringBuilder("SELECT body FROM findings WHERE 1 = 1");
        if (query.Since is { } since)
        {
            sql.Append(" AND timestamp >= $since");
            command.Parameters.AddWithValue("$since", Iso(since));
        }

        if (query.Categories is { Count: > 0 } categories)
        {
            sql.Append(" AND category IN (");
            for (var i = 0; i < categories.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append("$c").Append(i);
                command.Parameters.AddWithValue($"$c{i}", categories[i]);
            }

            sql.Append(')');
        }

        if (query.MinimumSeverity is { } minimum)
        {
            sql.Append(" AND severity >= $severity");
            command.Parameters.AddWithValue("$severity", (int)minimum);
        }

        if (query.Repository is { } repository)
        {
            sql.Append(" AND repository = $repository");
            command.Parameters.AddWithValue("$repository", repository);
        }

        sql.Append(" ORDER BY timestamp, detected_at, fingerprint");
        if (query.Limit is { } limit)
        {
            sql.Append(" LIMIT $limit");
            command.Parameters.AddWithValue("$limit", limit);
        }

        command.CommandText = sql.ToString();
        var findings = new List<Finding>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            using var json = JsonDocument.Parse(reader.GetString(0));
            findings.Add(FindingJson.Read(json.RootElement));
        }

        return findings;
    }

    public IReadOnlyList<Incident> QueryIncidents(IncidentQuery query)
    {
        using var command = _connection.CreateCommand();
        var sql = new StringBuilder(
            """
            SELECT i.id, i.first_seen, i.last_seen, i.severity, f.body
            FROM incidents i
            JOIN incident_findings x ON x.incident_id = i.id
            JOIN findings f ON f.fingerprint = x.fingerprint
            WHERE 1 = 1
            """);
        if (query.Since is { } since)
        {
            sql.Append(" AND i.last_seen >= $since");
            command.Parameters.AddWithValue("$since", Iso(since));
        }

        if (query.MinimumSeverity is { } minimum)
        {
            sql.Append(" AND i.severity >= $severity");
            command.Parameters.AddWithValue("$severity", (int)minimum);
        }

        sql.Append(" ORDER BY i.last_seen DESC, i.id, f.timestamp, f.detected_at, f.fingerprint");
        command.CommandText = sql.ToString();
        var incidents = new List<Incident>();
        var findings = new List<Finding>();
        (string Id, DateTimeOffset First, DateTimeOffset Last, Severity Severity)? current = null;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetString(0);
            if (current is { } open && open.Id != id)
            {
                incidents.Add(new Incident(open.Id, open.First, open.Last, open.Severity, [.. findings]));
                findings.Clear();
            }

            current = (id, ParseIso(reader.GetString(1)), ParseIso(reader.GetString(2)), (Severity)reader.GetInt64(3));
            using var json = JsonDocument.Parse(reader.GetString(4));
            findings.Add(FindingJson.Read(json.RootElement));
        }

        if (current is { } last)
        {
            incidents.Add(new Incident(last.Id, last.First, last.Last, last.Severity, [.. findings]));
        }

        return incidents;
    }

    public void Dispose() => _connection.Dispose();

    internal static string Iso(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseIso(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static void Validate(SqliteConnection connection, string path)
    {
        using var check = connection.CreateCommand();
        {
            check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            var tables = Convert.ToInt64(check.ExecuteScalar(), CultureInfo.InvariantCulture);
            var version = UserVersion(connection);
            if (version == 0 && tables > 0)
            {
                throw new StoreException($"{path}: a SQLite database that is not a PipeWatch store (it has tables but no PipeWatch schema version)");
            }

            if (version > Migrations.All.Count)
            {
                throw new StoreException($"{path}: schema version {version} is newer than this PipeWatch knows ({Migrations.All.Count}); upgrade PipeWatch");
            }
        }
    }

    private static void Migrate(SqliteConnection connection)
    {
        for (var version = UserVersion(connection); version < Migrations.All.Count; version++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, Migrations.All[(int)version], transaction);
            Execute(connection, $"PRAGMA user_version = {version + 1}", transaction);
            transaction.Commit();
        }
    }

    private static long UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>One transaction with its prepared statements.</summary>
    private sealed class Batch : IStoreBatch
    {
        private readonly SqliteTransaction _transaction;
        private readonly SqliteCommand _recordEvent;
        private readonly SqliteCommand _loadBaseline;
        private readonly SqliteCommand _saveBaseline;
        private readonly SqliteCommand _addFinding;
        private readonly SqliteCommand _findIncidents;
        private readonly SqliteCommand _openIncident;
        private readonly SqliteCommand _addToIncident;
        private readonly SqliteCommand _mergeIncidents;
        private bool _committed;

        public Batch(SqliteConnection connection)
        {
            _transaction = connection.BeginTransaction();
            _recordEvent = Prepare(connection, "INSERT OR IGNORE INTO ingested_events (id) VALUES ($id)", "$id");
            _loadBaseline = Prepare(connection, "SELECT version, data FROM baselines WHERE key = $key", "$key");
            _saveBaseline = Prepare(connection, "INSERT OR REPLACE INTO baselines (key, version, data) VALUES ($key, $version, $data)", "$key", "$version", "$data");
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
                    SELECT incident_id FROM incident_findings WHERE actor = $actor AND timestamp BETWEEN $from AND $to
                    UNION
                    SELECT incident_id FROM incident_findings WHERE run = $run AND timestamp BETWEEN $from AND $to)
                ORDER BY first_seen, id
                """,
                "$actor", "$run", "$from", "$to");
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
                "INSERT OR REPLACE INTO incident_findings (fingerprint, incident_id, timestamp, actor, run) VALUES ($fingerprint, $id, $timestamp, $actor, $run)",
                "$fingerprint", "$id", "$timestamp", "$actor", "$run");
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

        public bool TryRecordEvent(string eventId)
        {
            var hash = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(eventId));
            _recordEvent.Parameters[0].Value = unchecked((long)hash);
            return _recordEvent.ExecuteNonQuery() == 1;
        }

        public StoredBaseline? LoadBaseline(string key)
        {
            _loadBaseline.Parameters[0].Value = key;
            using var reader = _loadBaseline.ExecuteReader();
            return reader.Read() ? new StoredBaseline((byte)reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
        }

        public void SaveBaseline(string key, byte version, byte[] data)
        {
            _saveBaseline.Parameters[0].Value = key;
            _saveBaseline.Parameters[1].Value = (long)version;
            _saveBaseline.Parameters[2].Value = data;
            _saveBaseline.ExecuteNonQuery();
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
            p[5].Value = Iso(finding.Timestamp);
            p[6].Value = Iso(finding.DetectedAt);
            p[7].Value = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            return _addFinding.ExecuteNonQuery() == 1;
        }

        public IReadOnlyList<string> FindLinkedIncidents(CorrelationKeys keys, DateTimeOffset from, DateTimeOffset to)
        {
            var p = _findIncidents.Parameters;
            p[0].Value = (object?)keys.Actor ?? DBNull.Value;
            p[1].Value = (object?)keys.Run ?? DBNull.Value;
            p[2].Value = Iso(from);
            p[3].Value = Iso(to);
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
            var timestamp = Iso(finding.Timestamp);
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
            _transaction.Commit();
            _committed = true;
        }

        public void Dispose()
        {
            if (!_committed) _transaction.Rollback();
            _recordEvent.Dispose();
            _loadBaseline.Dispose();
            _saveBaseline.Dispose();
            _addFinding.Dispose();
            _findIncidents.Dispose();
            _openIncident.Dispose();
            _addToIncident.Dispose();
            _mergeIncidents.Dispose();
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
}

/// <summary>The store could not be opened or used; the message names the file and the reason.</summary>
public sealed class StoreException : Exception
{
    public StoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
