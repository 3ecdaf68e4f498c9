using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Store;

/// <summary>
/// The advisory index (tables <c>advisories</c> and <c>advisory_packages</c>) on any <see cref="ISharedTables"/> store, in SQL both
/// dialects speak: what both stores keep for <c>vulndb import|update</c>, <c>serve.vulndb-url</c> and dependency matching.
/// </summary>
/// <remarks>
/// Both stores import, list and count through this class (rows of SQLite's migrations 4 and 6, and the change counter of its 16 and
/// PostgreSQL's 7), so an import reports the same changes and a lookup the same entries on either store; SQLite keeps its own
/// lookup index (prepared statements on its connection's handle, the scan's hot path). PostgreSQL's key columns are
/// <c>COLLATE "C"</c>, so its orderings are SQLite's byte order. Each call opens a connection of its own; an index holds one until disposed.
/// </remarks>
internal sealed class SharedAdvisories(ISharedTables tables) : IAdvisoryStore
{
    /// <summary>Advisories per transaction.</summary>
    private const int ImportBatch = 5000;

    /// <summary>Advisories per round of statements: their stored rows are read with one query and written with one command.</summary>
    private const int ImportChunk = 500;

    /// <summary>How many names one lookup asks for at once (a parameter each).</summary>
    private const int LookupChunk = 500;

    /// <summary>The change counter's increment, run in each transaction that added, changed or withdrew an advisory (migration 16 / PostgreSQL 7).</summary>
    private const string Bump = "UPDATE advisory_counter SET changes = changes + 1 WHERE id = 1";

    /// <remarks>
    /// The advisories are taken <see cref="ImportChunk"/> at a time: one query reads what their ids held, one statement deletes them,
    /// and one each inserts the advisories and the package rows the chunk leaves (four round trips per chunk on PostgreSQL, not five
    /// per advisory). An id twice in a chunk is judged against its earlier record there, as one at a time would; its last record is stored.
    /// </remarks>
    public AdvisoryImportResult ImportAdvisories(IEnumerable<Advisory> advisories, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(advisories);
        int imported = 0, withdrawn = 0, packages = 0, pending = 0, committed = 0;
        var changes = new List<AdvisoryChange>();
        using var connection = tables.OpenConnection();
        var transaction = connection.BeginTransaction();
        using var commands = new ImportCommands(connection, tables.Dialect);
        try
        {
            foreach (var chunk in advisories.Chunk(ImportChunk))
            {
                ct.ThrowIfCancellationRequested();
                commands.Use(transaction);
                var current = commands.Stored([.. chunk.Select(a => a.Id).Distinct(StringComparer.Ordinal)]);
                var stored = new Dictionary<string, Row?>(StringComparer.Ordinal);
                foreach (var advisory in chunk)
                {
                    var before = current.GetValueOrDefault(advisory.Id);
                    if (advisory.Withdrawn)
                    {
                        withdrawn++;
                        if (before is not null) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Withdrawn, []));
                        current.Remove(advisory.Id);
                        stored[advisory.Id] = null;
                        continue;
                    }

                    var row = new Row(advisory, AdvisoryJson.Write(advisory with { Affected = [] }), [.. PackageRows(advisory)]);
                    var signature = Signature(row.Body, row.Packages.Select(p => p.Ecosystem + "|" + p.Name + "|" + p.Ranges));
                    packages += row.Packages.Length;
                    imported++;
                    if (before is null) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Added, Keys(advisory)));
                    else if (before != signature) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Changed, Keys(advisory)));
                    current[advisory.Id] = signature;
                    stored[advisory.Id] = row;
                }

                commands.Write(stored);
                if ((pending += chunk.Length) < ImportBatch) continue;
                Commit(connection, transaction, changed: changes.Count > committed);
                committed = changes.Count;
                transaction.Dispose();
                transaction = connection.BeginTransaction();
                pending = 0;
            }

            Commit(connection, transaction, changed: changes.Count > committed);
        }
        finally
        {
            transaction.Dispose();
        }

        return new AdvisoryImportResult(imported, withdrawn, packages) { Changes = changes };
    }

    public long AdvisoryCount() => Convert.ToInt64(Scalar("SELECT count(*) FROM advisories"), CultureInfo.InvariantCulture);

    /// <summary>The count, the newest modified date and the change counter: the counter moves with every import that changed anything, whatever the dates.</summary>
    public string AdvisoryState() => (string)Scalar(
        "SELECT CAST(count(*) AS TEXT) || ':' || coalesce(max(modified), '') || ':' || coalesce((SELECT CAST(changes AS TEXT) FROM advisory_counter WHERE id = 1), '') FROM advisories")!;

    /// <summary>Per ecosystem, its packages and advisories (<c>vulndb list</c>).</summary>
    public IReadOnlyList<AdvisoryEcosystem> AdvisoryEcosystems()
    {
        using var connection = tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT ecosystem, count(DISTINCT name), count(DISTINCT advisory_id) FROM advisory_packages GROUP BY ecosystem ORDER BY ecosystem";
        using var reader = command.ExecuteReader();
        var rows = new List<AdvisoryEcosystem>();
        while (reader.Read()) rows.Add(new AdvisoryEcosystem(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        return rows;
    }

    public IAdvisoryIndex OpenAdvisoryIndex() => new Index(tables.OpenConnection(readOnly: true));

    /// <summary>The (ecosystem, package) keys the advisory names, as the index keys them.</summary>
    internal static (string, string)[] Keys(Advisory advisory) =>
        [.. advisory.Affected.Select(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name))).Distinct()];

    /// <summary>One row per (ecosystem, package) the advisory names, with its entries for that package, in key order (as they are read back).</summary>
    internal static IEnumerable<(string Ecosystem, string Name, string Ranges)> PackageRows(Advisory advisory) => advisory.Affected
        .GroupBy(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name)))
        .Select(g => (g.Key.Item1, g.Key.Item2, CompactAffected.Write(g)))
        .OrderBy(r => r.Item1, StringComparer.Ordinal).ThenBy(r => r.Item2, StringComparer.Ordinal);

    /// <summary>An advisory's body and package rows as one text: what tells a changed record from one imported again as it was.</summary>
    private static string Signature(string body, IEnumerable<string> rows) => body + "\n" + string.Join("\n", rows);

    private object? Scalar(string sql)
    {
        using var connection = tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Commit(DbConnection connection, DbTransaction transaction, bool changed)
    {
        if (changed)
        {
            using var bump = connection.CreateCommand();
            bump.Transaction = transaction;
            bump.CommandText = Bump;
            bump.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The parameters <c>@p0, @p1…</c> holding <paramref name="values"/>, as the list of an <c>IN</c>.</summary>
    private static string In(DbCommand command, IReadOnlyList<string> values)
    {
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = "@p" + i.ToString(CultureInfo.InvariantCulture);
            command.AddParameter(names[i], values[i]);
        }

        return string.Join(", ", names);
    }

    /// <summary>
    /// An import's statements, made once and run once per chunk. Each takes the chunk as one JSON parameter (the ids, or the rows
    /// as arrays of columns), which SQLite's <c>json_each</c> and PostgreSQL's <c>json_array_elements</c> turn into rows: the text
    /// of a statement never changes, and neither store binds a parameter per advisory.
    /// </summary>
    private sealed class ImportCommands : IDisposable
    {
        private readonly DbCommand _stored;
        private readonly DbCommand _delete;
        private readonly DbCommand _insert;
        private readonly DbCommand _insertPackages;

        public ImportCommands(DbConnection connection, SqlDialect dialect)
        {
            // The JSON array parameter as a table of one column, 'value': a string (an id) or an array of columns (value ->> n).
            string Texts(string parameter) => dialect == SqlDialect.Sqlite ? $"json_each({parameter})" : $"json_array_elements_text(CAST({parameter} AS json)) AS j(value)";
            string Arrays(string parameter) => dialect == SqlDialect.Sqlite ? $"json_each({parameter})" : $"json_array_elements(CAST({parameter} AS json)) AS j(value)";
            var ids = $"(SELECT value FROM {Texts("@ids")})";
            // Two result sets, one round trip; the package rows in key order, as PackageRows gives them (byte order on both stores).
            _stored = Command(
                connection,
                $"SELECT id, body FROM advisories WHERE id IN {ids}; "
                + $"SELECT advisory_id, ecosystem, name, ranges FROM advisory_packages WHERE advisory_id IN {ids} ORDER BY advisory_id, ecosystem, name",
                "@ids");
            _delete = Command(connection, $"DELETE FROM advisories WHERE id IN {ids}; DELETE FROM advisory_packages WHERE advisory_id IN {ids}", "@ids");
            _insert = Command(connection, $"INSERT INTO advisories (id, modified, body) SELECT value ->> 0, value ->> 1, value ->> 2 FROM {Arrays("@rows")}", "@rows");
            _insertPackages = Command(
                connection, $"INSERT INTO advisory_packages (ecosystem, name, advisory_id, ranges) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM {Arrays("@rows")}", "@rows");
        }

        public void Use(DbTransaction transaction)
        {
            foreach (var command in new[] { _stored, _delete, _insert, _insertPackages }) command.Transaction = transaction;
        }

        /// <summary>What each id holds now (<see cref="Signature"/>); an id not stored is absent.</summary>
        public Dictionary<string, string?> Stored(IReadOnlyList<string> ids)
        {
            var bodies = new Dictionary<string, string>(StringComparer.Ordinal);
            var rows = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            _stored.Parameters[0].Value = Json(w => { foreach (var id in ids) w.WriteStringValue(id); });
            using (var reader = _stored.ExecuteReader())
            {
                while (reader.Read()) bodies[reader.GetString(0)] = reader.GetString(1);
                reader.NextResult();
                while (reader.Read())
                {
                    var id = reader.GetString(0);
                    if (!rows.TryGetValue(id, out var list)) rows[id] = list = [];
                    list.Add(reader.GetString(1) + "|" + reader.GetString(2) + "|" + reader.GetString(3));
                }
            }

            var stored = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (id, body) in bodies) stored[id] = Signature(body, rows.GetValueOrDefault(id) ?? []);
            return stored;
        }

        /// <summary>Deletes the chunk's ids, then inserts the rows of those it leaves stored.</summary>
        public void Write(Dictionary<string, Row?> stored)
        {
            _delete.Parameters[0].Value = Json(w => { foreach (var id in stored.Keys) w.WriteStringValue(id); });
            _delete.ExecuteNonQuery();
            var rows = stored.Values.OfType<Row>().ToList();
            if (rows.Count == 0) return;
            _insert.Parameters[0].Value = Json(w =>
            {
                foreach (var row in rows)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(row.Advisory.Id);
                    if (row.Advisory.Modified is { } modified) w.WriteStringValue(SqliteStore.Iso(modified));
                    else w.WriteNullValue();
                    w.WriteStringValue(row.Body);
                    w.WriteEndArray();
                }
            });
            _insert.ExecuteNonQuery();
            if (!rows.Any(r => r.Packages.Length > 0)) return;
            _insertPackages.Parameters[0].Value = Json(w =>
            {
                foreach (var row in rows)
                {
                    foreach (var (ecosystem, name, ranges) in row.Packages)
                    {
                        w.WriteStartArray();
                        w.WriteStringValue(ecosystem);
                        w.WriteStringValue(name);
                        w.WriteStringValue(row.Advisory.Id);
                        w.WriteStringValue(ranges);
                        w.WriteEndArray();
                    }
                }
            });
            _insertPackages.ExecuteNonQuery();
        }

        public void Dispose()
        {
            foreach (var command in new[] { _stored, _delete, _insert, _insertPackages }) command.Dispose();
        }

        private static DbCommand Command(DbConnection connection, string sql, string parameter)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            command.AddParameter(parameter, string.Empty);
            return command;
        }

        /// <summary>A JSON array of what <paramref name="write"/> writes into it.</summary>
        private static string Json(Action<Utf8JsonWriter> write)
        {
            var buffer = new ArrayBufferWriter<byte>(64 * 1024);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                write(writer);
                writer.WriteEndArray();
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>An advisory as it is stored: its body without affected entries, and its package rows.</summary>
    private sealed record Row(Advisory Advisory, string Body, (string Ecosystem, string Name, string Ranges)[] Packages);

    /// <summary>Lookups over one connection, kept for the rest of the scan; many names are asked for in chunks of one query each.</summary>
    private sealed class Index(DbConnection connection) : IAdvisoryIndex
    {
        private readonly Dictionary<(string, string), IReadOnlyList<PackageAdvisory>> _cache = [];
        private readonly Dictionary<string, Advisory?> _advisories = new(StringComparer.Ordinal);

        public IReadOnlyList<PackageAdvisory> For(string ecosystem, string name)
        {
            var key = (Ecosystems.Base(ecosystem), PackageNames.Normalize(ecosystem, name));
            if (!_cache.ContainsKey(key)) Load(key.Item1, [key.Item2]);
            return _cache[key];
        }

        public void Prefetch(IReadOnlyCollection<(string Ecosystem, string Name)> packages)
        {
            ArgumentNullException.ThrowIfNull(packages);
            foreach (var ecosystem in packages.Select(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name))).Where(k => !_cache.ContainsKey(k)).Distinct().GroupBy(k => k.Item1))
            {
                foreach (var chunk in ecosystem.Select(k => k.Item2).Chunk(LookupChunk)) Load(ecosystem.Key, chunk);
            }
        }

        public Advisory? Advisory(string id)
        {
            if (!_advisories.ContainsKey(id)) LoadAdvisories([id]);
            return _advisories[id];
        }

        public void PrefetchAdvisories(IReadOnlyCollection<string> ids)
        {
            ArgumentNullException.ThrowIfNull(ids);
            foreach (var chunk in ids.Where(id => !_advisories.ContainsKey(id)).Distinct(StringComparer.Ordinal).Chunk(LookupChunk)) LoadAdvisories(chunk);
        }

        public void Dispose() => connection.Dispose();

        private void Load(string ecosystem, IReadOnlyList<string> names)
        {
            var found = new Dictionary<string, List<PackageAdvisory>>(StringComparer.Ordinal);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT name, advisory_id, ranges FROM advisory_packages WHERE ecosystem = @ecosystem AND name IN ({In(command, names)})";
                command.AddParameter("@ecosystem", ecosystem);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var name = reader.GetString(0);
                    if (!found.TryGetValue(name, out var list)) found[name] = list = new List<PackageAdvisory>(4);
                    list.Add(new PackageAdvisory(reader.GetString(1), CompactAffected.Read(reader.GetString(2))));
                }
            }

            foreach (var name in names)
            {
                if (!found.TryGetValue(name, out var list))
                {
                    _cache[(ecosystem, name)] = [];
                    continue;
                }

                // By advisory id in byte order, as SQLite's primary key gives them.
                list.Sort((x, y) => string.CompareOrdinal(x.AdvisoryId, y.AdvisoryId));
                _cache[(ecosystem, name)] = list;
            }
        }

        private void LoadAdvisories(IReadOnlyList<string> ids)
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT id, body FROM advisories WHERE id IN ({In(command, ids)})";
                using var reader = command.ExecuteReader();
                while (reader.Read()) _advisories[reader.GetString(0)] = AdvisoryJson.Read(reader.GetString(1));
            }

            foreach (var id in ids) _advisories.TryAdd(id, null);
        }
    }
}
