using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;

namespace PipeWatch.Store.Sqlite;

/// <summary>The read side of a <see cref="SqliteStore"/>: a read-only connection of its own to the store file (WAL lets it read while the writer writes).</summary>
/// <remarks>
/// Findings are paged by their <c>seq</c> (migration 7), the order in which they were stored: SQLite commits one writer at a
/// time, so a finding committed after a page was read always has a greater <c>seq</c> than every finding that page could see,
/// and a keyset walk over <c>seq</c> neither repeats nor skips. Incidents are paged by <c>(last_seen, id)</c>.
/// </remarks>
internal sealed class SqliteStoreReader : IStoreReader
{
    private const string FindingsNewest = "n";
    private const string FindingsOldest = "o";
    private const string Incidents = "i";

    private readonly SqliteConnection _connection;

    private SqliteStoreReader(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens the store file at <paramref name="path"/> for reading only; it must exist and have this version's schema.</summary>
    /// <exception cref="StoreException">The file is missing, not a PipeWatch store, of another schema version, or cannot be read.</exception>
    public static SqliteStoreReader Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new StoreException($"{full}: no store here");
        SqliteConnection? connection = null;
        try
        {
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA busy_timeout = 5000";
                command.ExecuteNonQuery();
                command.CommandText = "PRAGMA user_version";
                var version = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                if (version != Migrations.All.Count)
                {
                    throw new StoreException(version < Migrations.All.Count
                        ? $"{full}: schema version {version} is older than this PipeWatch reads ({Migrations.All.Count}); open the store for writing once (e.g. 'pipewatch findings') to upgrade it"
                        : $"{full}: schema version {version} is newer than this PipeWatch knows ({Migrations.All.Count}); upgrade PipeWatch");
                }
            }

            return new SqliteStoreReader(connection);
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            throw new StoreException($"{full}: cannot read the store ({ex.Message.TrimEnd('.')})", ex);
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
        var sql = new StringBuilder("SELECT seq, body FROM findings WHERE 1 = 1");
        Filter(query, sql, command);
        if (after is { } position)
        {
            sql.Append(newest ? " AND seq < $after" : " AND seq > $after");
            command.Parameters.AddWithValue("$after", position);
        }

        sql.Append(newest ? " ORDER BY seq DESC" : " ORDER BY seq").Append(" LIMIT $limit");
        command.Parameters.AddWithValue("$limit", limit);
        command.CommandText = sql.ToString();

        var findings = new List<Finding>();
        var last = after;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                last = reader.GetInt64(0);
                findings.Add(ReadFinding(reader.GetString(1)));
            }
        }

        // Newest first ends at the oldest; oldest first always says where to resume, from the start when nothing was stored yet.
        string? next = newest
            ? (findings.Count == limit ? Encode(kind, Invariant(last!.Value)) : null)
            : Encode(kind, Invariant(last ?? 0));
        return new Page<Finding>(findings, next);
    }

    public Finding? FindingByFingerprint(string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT body FROM findings WHERE fingerprint = $fingerprint";
        command.Parameters.AddWithValue("$fingerprint", fingerprint);
        return command.ExecuteScalar() is string body ? ReadFinding(body) : null;
    }

    public Page<Incident> PageIncidents(IncidentQuery query, string? cursor, int limit)
    {
        ArgumentNullException.ThrowIfNull(query);
        CheckLimit(limit);
        var position = cursor is null ? null : Decode(cursor, Incidents, 2);

        // One snapshot for the incidents and their findings.
        using var transaction = _connection.BeginTransaction(deferred: true);
        var heads = new List<(string Id, string First, string Last, Severity Severity)>();
        using (var command = _connection.CreateCommand())
        {
            command.Transaction = transaction;
            var sql = new StringBuilder("SELECT id, first_seen, last_seen, severity FROM incidents WHERE 1 = 1");
            if (query.Since is { } since)
            {
                sql.Append(" AND last_seen >= $since");
                command.Parameters.AddWithValue("$since", SqliteStore.Iso(since));
            }

            if (query.MinimumSeverity is { } minimum)
            {
                sql.Append(" AND severity >= $severity");
                command.Parameters.AddWithValue("$severity", (int)minimum);
            }

            if (position is not null)
            {
                sql.Append(" AND (last_seen, id) < ($last, $id)");
                command.Parameters.AddWithValue("$last", position[0]);
                command.Parameters.AddWithValue("$id", position[1]);
            }

            sql.Append(" ORDER BY last_seen DESC, id DESC LIMIT $limit");
            command.Parameters.AddWithValue("$limit", limit);
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                heads.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), (Severity)reader.GetInt64(3)));
            }
        }

        var timelines = heads.ToDictionary(h => h.Id, _ => new List<Finding>(), StringComparer.Ordinal);
        if (heads.Count > 0)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder(
                "SELECT x.incident_id, f.body FROM incident_findings x JOIN findings f ON f.fingerprint = x.fingerprint WHERE x.incident_id IN (");
            for (var i = 0; i < heads.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append("$i").Append(Invariant(i));
                command.Parameters.AddWithValue("$i" + Invariant(i), heads[i].Id);
            }

            sql.Append(") ORDER BY f.timestamp, f.detected_at, f.fingerprint");
            command.CommandText = sql.ToString();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                timelines[reader.GetString(0)].Add(ReadFinding(reader.GetString(1)));
            }
        }

        transaction.Commit();
        var incidents = heads.Select(h => new Incident(h.Id, ParseIso(h.First), ParseIso(h.Last), h.Severity, timelines[h.Id])).ToList();
        var next = heads.Count == limit ? Encode(Incidents, heads[^1].Last, heads[^1].Id) : null;
        return new Page<Incident>(incidents, next);
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>The query's conditions, each as <c> AND …</c> with its parameters: the one translation of a <see cref="FindingQuery"/> to SQL.</summary>
    internal static void Filter(FindingQuery query, StringBuilder sql, SqliteCommand command)
    {
        if (query.Since is { } since)
        {
            sql.Append(" AND timestamp >= $since");
            command.Parameters.AddWithValue("$since", SqliteStore.Iso(since));
        }

        if (query.Categories is { Count: > 0 } categories)
        {
            sql.Append(" AND category IN (");
            for (var i = 0; i < categories.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append("$c").Append(Invariant(i));
                command.Parameters.AddWithValue("$c" + Invariant(i), categories[i]);
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
            // Repository names are case-insensitive on GitHub and GitLab: ACME/X is acme/x.
            sql.Append(" AND repository = $repository COLLATE NOCASE");
            command.Parameters.AddWithValue("$repository", repository);
        }
    }

    private static void CheckLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, Page<Finding>.MaxLimit);
    }

    private static Finding ReadFinding(string body)
    {
        using var json = JsonDocument.Parse(body);
        return FindingJson.Read(json.RootElement);
    }

    /// <summary>An opaque cursor: the listing's kind and its position, '\u001f'-separated, in URL-safe base64.</summary>
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

    private static DateTimeOffset ParseIso(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
