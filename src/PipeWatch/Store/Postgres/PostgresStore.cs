using System.Text;
using System.Text.Json;
using Npgsql;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;

namespace PipeWatch.Store.Postgres;

/// <summary>The shared store for several workers: a PostgreSQL database, migrated on open (<see cref="PostgresMigrations"/>).</summary>
/// <remarks>
/// Each batch is one transaction on a pooled connection of its own, so several processes (or several engines in one) may write at
/// once: the ledger's primary key makes each event count once; shared baselines are merged under a lock per key
/// (<see cref="PostgresStoreBatch"/>); findings and incidents are written under one advisory lock, so findings are numbered in
/// commit order and incident correlation is serialized across writers.
/// </remarks>
internal sealed partial class PostgresStore : IStore, ISharedTables
{
    /// <summary>Advisory lock keys (<c>pg_advisory_lock(bigint)</c>): "pw" and a number.</summary>
    internal const long MigrationLock = 0x7077_0000_0000_0001;

    /// <inheritdoc cref="MigrationLock"/>
    internal const long FindingsLock = 0x7077_0000_0000_0002;

    private readonly NpgsqlDataSource _source;

    private PostgresStore(NpgsqlDataSource source, PostgresLocation location)
    {
        _source = source;
        Location = location;
    }

    /// <summary>Where the store is, without a password: for messages.</summary>
    public PostgresLocation Location { get; }

    public string Display => Location.Display;

    SqlDialect ISharedTables.Dialect => SqlDialect.Postgres;

    // A pooled connection; read-only is not enforced (the callers that ask for it only read).
    System.Data.Common.DbConnection ISharedTables.OpenConnection(bool readOnly) => _source.OpenConnection();

    /// <summary>Opens and migrates the store <paramref name="location"/> names.</summary>
    /// <exception cref="StoreException">The location is malformed or carries a password, the server cannot be reached or refuses us, or its schema is newer.</exception>
    public static PostgresStore Open(string location)
    {
        var parsed = PostgresLocation.Parse(location);
        var source = NpgsqlDataSource.Create(parsed.ConnectionString);
        try
        {
            Migrate(source, parsed);
            return new PostgresStore(source, parsed);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Applies the migrations the database lacks; returns the schema version before and after.</summary>
    /// <exception cref="StoreException">As <see cref="Open"/>.</exception>
    public static (int Before, int After) Migrate(string location)
    {
        var parsed = PostgresLocation.Parse(location);
        using var source = NpgsqlDataSource.Create(parsed.ConnectionString);
        return Migrate(source, parsed);
    }

    public IStoreBatch BeginBatch() => Guard("cannot begin a batch", () => new PostgresStoreBatch(_source.OpenConnection()));

    public IStoreReader OpenReader() => Guard("cannot open a reader", () => new PostgresStoreReader(_source.OpenConnection()));

    public IReadOnlyList<Finding> QueryFindings(FindingQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Guard("cannot read findings", () =>
        {
            using var connection = _source.OpenConnection();
            using var command = connection.CreateCommand();
            var sql = new StringBuilder("SELECT body FROM findings WHERE true");
            PostgresStoreReader.Filter(query, sql, command);
            sql.Append(" ORDER BY timestamp, detected_at, fingerprint");
            if (query.Limit is { } limit)
            {
                sql.Append(" LIMIT @limit");
                command.Parameters.AddWithValue("limit", limit);
            }

            command.CommandText = sql.ToString();
            var findings = new List<Finding>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) findings.Add(ReadFinding(reader.GetString(0)));
            return (IReadOnlyList<Finding>)findings;
        });
    }

    public IReadOnlyList<Incident> QueryIncidents(IncidentQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Guard("cannot read incidents", () =>
        {
            using var connection = _source.OpenConnection();
            using var command = connection.CreateCommand();
            var sql = new StringBuilder(
                """
                SELECT i.id, i.first_seen, i.last_seen, i.severity, f.body
                FROM incidents i
                JOIN incident_findings x ON x.incident_id = i.id
                JOIN findings f ON f.fingerprint = x.fingerprint
                WHERE true
                """);
            if (query.Since is { } since)
            {
                sql.Append(" AND i.last_seen >= @since");
                command.Parameters.AddWithValue("since", since.ToUniversalTime());
            }

            if (query.MinimumSeverity is { } minimum)
            {
                sql.Append(" AND i.severity >= @severity");
                command.Parameters.AddWithValue("severity", (int)minimum);
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

                current = (id, reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), (Severity)reader.GetInt32(3));
                findings.Add(ReadFinding(reader.GetString(4)));
            }

            if (current is { } last) incidents.Add(new Incident(last.Id, last.First, last.Last, last.Severity, [.. findings]));
            return (IReadOnlyList<Incident>)incidents;
        });
    }

    public void Dispose() => _source.Dispose();

    internal static Finding ReadFinding(string body)
    {
        using var json = JsonDocument.Parse(body);
        return FindingJson.Read(json.RootElement);
    }

    /// <summary>The schema version of the database: the highest migration recorded, 0 for none.</summary>
    internal static int SchemaVersion(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM pipewatch_schema", connection);
        return (int)command.ExecuteScalar()!;
    }

    private T Guard<T>(string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (NpgsqlException ex)
        {
            throw new StoreException($"{Display}: {what} ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    // Every writer migrates on open: the session lock lets one do it while the others wait, then find nothing left to do.
    private static (int Before, int After) Migrate(NpgsqlDataSource source, PostgresLocation location)
    {
        try
        {
            using var connection = source.OpenConnection();
            using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLock})", connection)) lockCommand.ExecuteNonQuery();
            try
            {
                using (var create = new NpgsqlCommand(PostgresMigrations.SchemaTable, connection)) create.ExecuteNonQuery();
                var before = SchemaVersion(connection);
                if (before > PostgresMigrations.All.Count)
                {
                    throw new StoreException($"{location.Display}: schema version {before} is newer than this PipeWatch knows ({PostgresMigrations.All.Count}); upgrade PipeWatch");
                }

                for (var version = before; version < PostgresMigrations.All.Count; version++)
                {
                    using var transaction = connection.BeginTransaction();
                    using (var migration = new NpgsqlCommand(PostgresMigrations.All[version], connection, transaction)) migration.ExecuteNonQuery();
                    using (var record = new NpgsqlCommand("INSERT INTO pipewatch_schema (version) VALUES (@version)", connection, transaction))
                    {
                        record.Parameters.AddWithValue("version", version + 1);
                        record.ExecuteNonQuery();
                    }

                    transaction.Commit();
                }

                return (before, PostgresMigrations.All.Count);
            }
            finally
            {
                using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLock})", connection);
                unlock.ExecuteNonQuery();
            }
        }
        catch (NpgsqlException ex)
        {
            throw new StoreException($"{location.Display}: cannot open the store ({ex.Message.TrimEnd('.')})", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new StoreException($"{location.Display}: cannot open the store ({ex.Message.TrimEnd('.')})", ex);
        }
    }
}
