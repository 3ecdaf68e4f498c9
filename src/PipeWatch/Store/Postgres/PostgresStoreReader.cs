using System.Buffers.Text;
using System.Data;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;

namespace PipeWatch.Store.Postgres;

/// <summary>The read side of a <see cref="PostgresStore"/>: a connection of its own, with the cursor contract of <see cref="IStoreReader"/>.</summary>
/// <remarks>
/// Findings are paged by <c>seq</c>. Writers insert findings under one advisory lock held to their commit
/// (<see cref="PostgresStoreBatch"/>), so a finding committed after a page was read has a greater <c>seq</c> than every finding that
/// page could see, and a keyset walk neither repeats nor skips, as on SQLite. Incidents are paged by <c>(last_seen, id)</c>, each
/// page in one snapshot. Cursors have the SQLite reader's form, so a client cannot tell the stores apart.
/// </remarks>
internal sealed class PostgresStoreReader : IStoreReader
{
    private const string FindingsNewest = "n";
    private const string FindingsOldest = "o";
    private const string Incidents = "i";

    private readonly NpgsqlConnection _connection;

    public PostgresStoreReader(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Opens a reader on the store <paramref name="location"/> names, which must be migrated to this version already.</summary>
    /// <exception cref="StoreException">It cannot be reached, or its schema is of another version.</exception>
    public static PostgresStoreReader Open(string location)
    {
        var parsed = PostgresLocation.Parse(location);
        NpgsqlConnection? connection = null;
        try
        {
            connection = new NpgsqlConnection(parsed.ConnectionString);
            connection.Open();
            using (var exists = new NpgsqlCommand("SELECT to_regclass('pipewatch_schema') IS NOT NULL", connection))
            {
                if (!(bool)exists.ExecuteScalar()!) throw new StoreException($"{parsed.Display}: no store here (run 'pipewatch store migrate --store LOCATION' first)");
            }

            var version = PostgresStore.SchemaVersion(connection);
            if (version != PostgresMigrations.All.Count)
            {
                throw new StoreException(version < PostgresMigrations.All.Count
                    ? $"{parsed.Display}: schema version {version} is older than this PipeWatch reads ({PostgresMigrations.All.Count}); run 'pipewatch store migrate' to upgrade it"
                    : $"{parsed.Display}: schema version {version} is newer than this PipeWatch knows ({PostgresMigrations.All.Count}); upgrade PipeWatch");
            }

            return new PostgresStoreReader(connection);
        }
        catch (NpgsqlException ex)
        {
            connection?.Dispose();
            throw new StoreException($"{parsed.Display}: cannot read the store ({ex.Message.TrimEnd('.')})", ex);
        }
        catch (StoreException)
        {
            connection?.Dispose();
            throw;
        }
    }

    public Page<Finding> PageFindings(FindingQuery query, string? cursor, int limit, PageOrder order = PageOrder.NewestFirst)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckLimit(limit);
        var newest = order == PageOrder.NewestFirst;
        var kind = newest ? FindingsNewest : FindingsOldest;
        long? after = cursor is null ? null : long.Parse(Decode(cursor, kind, 1)[0], NumberStyles.None, CultureInfo.InvariantCulture);

        using var command = _connection.CreateCommand();
        var sql = new StringBuilder("SELECT seq, body FROM findings WHERE true");
        Filter(query, sql, command);
        if (after is { } position)
        {
            sql.Append(newest ? " AND seq < @after" : " AND seq > @after");
            command.Parameters.AddWithValue("after", position);
        }

        sql.Append(newest ? " ORDER BY seq DESC" : " ORDER BY seq").Append(" LIMIT @limit");
        command.Parameters.AddWithValue("limit", limit);
        command.CommandText = sql.ToString();

        var findings = new List<Finding>();
        var last = after;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                last = reader.GetInt64(0);
                findings.Add(PostgresStore.ReadFinding(reader.GetString(1)));
            }
        }

        string? next = newest
            ? (findings.Count == limit ? Encode(kind, Invariant(last!.Value)) : null)
            : Encode(kind, Invariant(last ?? 0));
        return new Page<Finding>(findings, next);
    }

    public Finding? FindingByFingerprint(string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        using var command = new NpgsqlCommand("SELECT body FROM findings WHERE fingerprint = @fingerprint", _connection);
        command.Parameters.AddWithValue("fingerprint", fingerprint);
        return command.ExecuteScalar() is string body ? PostgresStore.ReadFinding(body) : null;
    }

    public Page<Incident> PageIncidents(IncidentQuery query, string? cursor, int limit)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckLimit(limit);
        var position = cursor is null ? null : Decode(cursor, Incidents, 2);
        DateTime? positionTime = null;
        if (position is not null)
        {
            if (!DateTime.TryParse(position[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            {
                throw new ArgumentException("not a cursor of this listing", nameof(cursor));
            }

            positionTime = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        }

        // One snapshot for the incidents and their findings.
        using var transaction = _connection.BeginTransaction(IsolationLevel.RepeatableRead);
        var heads = new List<(string Id, DateTimeOffset First, DateTimeOffset Last, Severity Severity)>();
        using (var command = new NpgsqlCommand { Connection = _connection, Transaction = transaction })
        {
            var sql = new StringBuilder("SELECT id, first_seen, last_seen, severity FROM incidents WHERE true");
            if (query.Since is { } since)
            {
                sql.Append(" AND last_seen >= @since");
                command.Parameters.AddWithValue("since", since.UtcDateTime);
            }

            if (query.MinimumSeverity is { } minimum)
            {
                sql.Append(" AND severity >= @severity");
                command.Parameters.AddWithValue("severity", (int)minimum);
            }

            if (position is not null)
            {
                sql.Append(" AND (last_seen, id) < (@last, @id)");
                command.Parameters.AddWithValue("last", positionTime!.Value);
                command.Parameters.AddWithValue("id", position[1]);
            }

            sql.Append(" ORDER BY last_seen DESC, id DESC LIMIT @limit");
            command.Parameters.AddWithValue("limit", limit);
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                heads.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), (Severity)reader.GetInt32(3)));
            }
        }

        var timelines = heads.ToDictionary(h => h.Id, _ => new List<Finding>(), StringComparer.Ordinal);
        if (heads.Count > 0)
        {
            using var command = new NpgsqlCommand(
                """
                SELECT x.incident_id, f.body FROM incident_findings x JOIN findings f ON f.fingerprint = x.fingerprint
                WHERE x.incident_id = ANY(@ids) ORDER BY f.timestamp, f.detected_at, f.fingerprint
                """,
                _connection,
                transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. heads.Select(h => h.Id)] });
            using var reader = command.ExecuteReader();
            while (reader.Read()) timelines[reader.GetString(0)].Add(PostgresStore.ReadFinding(reader.GetString(1)));
        }

        transaction.Commit();
        var incidents = heads.Select(h => new Incident(h.Id, h.First, h.Last, h.Severity, timelines[h.Id])).ToList();
        var next = heads.Count == limit
            ? Encode(Incidents, heads[^1].Last.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture), heads[^1].Id)
            : null;
        return new Page<Incident>(incidents, next);
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>The query's conditions, each as <c> AND …</c> with its parameters: a <see cref="FindingQuery"/> in PostgreSQL's SQL.</summary>
    internal static void Filter(FindingQuery query, StringBuilder sql, NpgsqlCommand command)
    {
        if (query.Since is { } since)
        {
            sql.Append(" AND timestamp >= @since");
            command.Parameters.AddWithValue("since", since.UtcDateTime);
        }

        if (query.Categories is { Count: > 0 } categories)
        {
            sql.Append(" AND category = ANY(@categories)");
            command.Parameters.Add(new NpgsqlParameter<string[]>("categories", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. categories] });
        }

        if (query.MinimumSeverity is { } minimum)
        {
            sql.Append(" AND severity >= @severity");
            command.Parameters.AddWithValue("severity", (int)minimum);
        }

        if (query.Repository is { } repository)
        {
            // Repository names are case-insensitive on GitHub and GitLab: ACME/X is acme/x.
            sql.Append(" AND lower(repository) = lower(@repository)");
            command.Parameters.AddWithValue("repository", repository);
        }
    }

    private static void CheckLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, Page<Finding>.MaxLimit);
    }

    private static string Encode(string kind, params string[] position) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\u001f', [kind, .. position])));

    private static string[] Decode(string cursor, string kind, int parts)
    {
        string[] fields;
        try
        {
            fields = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('\u001f');
        }
        catch (FormatException)
        {
            throw new ArgumentException("not a cursor of this listing", nameof(cursor));
        }

        if (fields.Length != parts + 1 || fields[0] != kind) throw new ArgumentException("not a cursor of this listing (or of the other order)", nameof(cursor));
        if (kind != Incidents && !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new ArgumentException("not a cursor of this listing", nameof(cursor));
        }

        return fields[1..];
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
