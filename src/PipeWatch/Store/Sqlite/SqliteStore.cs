using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;

namespace PipeWatch.Store.Sqlite;

/// <summary>The embedded default store: one SQLite file in WAL mode, migrated on open.</summary>
public sealed partial class SqliteStore : IStore
{
    private readonly SqliteConnection _connection;

    private readonly SqliteLedger _ledger;

    /// <summary>Opened read-only as immutable (a read-only file or folder): the shared tables' connections are opened the same way.</summary>
    private bool _immutable;

    private SqliteStore(SqliteConnection connection, string path, long ledgerCache)
    {
        _connection = connection;
        Path = path;
        _ledger = new SqliteLedger(connection, ledgerCache);
    }

    public string Path { get; }

    /// <summary>Opens (creating folder and file when missing) and migrates the store at <paramref name="path"/>.</summary>
    /// <exception cref="StoreException">The file is not a PipeWatch store, is from a newer version, or cannot be opened.</exception>
    public static SqliteStore Open(string path) => Open(path, SqliteLedger.DefaultCachedHashes);

    /// <inheritdoc cref="Open(string)"/>
    /// <param name="path">The store file.</param>
    /// <param name="ledgerCache">Event hashes the ledger keeps in memory across batches.</param>
    internal static SqliteStore Open(string path, long ledgerCache)
    {
        var full = System.IO.Path.GetFullPath(path);
        SqliteConnection? connection = null;
        var immutable = false;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Pooling = false }.ToString());
            connection.Open();
            try
            {
                Execute(connection, "PRAGMA busy_timeout = 5000;");
                // Refuse a foreign or damaged file before changing anything in it (the journal mode is stored in the file).
                Validate(connection, full);
                QuickCheck(connection, full);
                // A larger page cache: baselines and findings are keyed by hashes, so their inserts land all over their B-trees.
                Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
                Migrate(connection);
            }
            catch (SqliteException ex) when (IsReadOnly(ex, full))
            {
                // A store that can only be read (a read-only file or folder) still lists its findings; writing to it fails by name.
                connection.Dispose();
                connection = OpenReadOnly(full);
                immutable = true;
                Validate(connection, full);
                QuickCheck(connection, full);
                if (UserVersion(connection) < Migrations.All.Count)
                {
                    throw new StoreException($"{full}: the store is read-only and its schema version {UserVersion(connection)} is older than this PipeWatch reads ({Migrations.All.Count}); open it once where it can be written to upgrade it");
                }
            }

            CheckTables(connection, full);
            return new SqliteStore(connection, full, ledgerCache) { _immutable = immutable };
        }
        catch (SqliteException ex) when (IsDamage(ex))
        {
            connection?.Dispose();
            throw Damaged(full, ex.Message.TrimEnd('.'), ex);
        }
        catch (StoreException)
        {
            connection?.Dispose();
            throw;
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

    public IStoreBatch BeginBatch() => new SqliteStoreBatch(_connection, _ledger);

    public IStoreReader OpenReader() => SqliteStoreReader.Open(Path);

    /// <summary>The event ledger (for tests).</summary>
    internal SqliteLedger Ledger => _ledger;

    public IReadOnlyList<Finding> QueryFindings(FindingQuery query)
    {
        using var command = _connection.CreateCommand();
        var sql = new StringBuilder("SELECT body FROM findings WHERE 1 = 1");
        SqliteStoreReader.Filter(query, sql, command);
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

    public void Dispose()
    {
        _ledger.Dispose();
        _connection.Dispose();
    }

    internal static string Iso(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseIso(string text) =>
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

            if (version < 0)
            {
                throw new StoreException($"{path}: schema version {version} is not one PipeWatch writes (the file was changed by another program); restore it from a backup, or move it away to start a new store");
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
            if (Migrations.Upgrades.TryGetValue((int)version + 1, out var upgrade)) upgrade(connection, transaction);
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
}
