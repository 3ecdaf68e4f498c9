using Microsoft.Data.Sqlite;
using SQLitePCL;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Store.Sqlite;

/// <summary>The advisory index of migrations 4 and 6: advisories by id, and which (ecosystem, package) each names with its affected entries for it.</summary>
public sealed partial class SqliteStore : IAdvisoryStore
{
    private const int ImportBatch = 5000;

    public AdvisoryImportResult ImportAdvisories(IEnumerable<Advisory> advisories, CancellationToken ct)
    {
        int imported = 0, withdrawn = 0, packages = 0, pending = 0;
        var changes = new List<AdvisoryChange>();
        var transaction = _connection.BeginTransaction();
        try
        {
            // What the id held before, to tell an advisory imported again as it was from a new or changed one.
            using var before = Command("SELECT body FROM advisories WHERE id = $id", transaction, "$id");
            using var beforeRanges = Command("SELECT ecosystem, name, ranges FROM advisory_packages WHERE advisory_id = $id ORDER BY ecosystem, name", transaction, "$id");
            using var delete = Command("DELETE FROM advisories WHERE id = $id; DELETE FROM advisory_packages WHERE advisory_id = $id;", transaction, "$id");
            using var insert = Command("INSERT INTO advisories (id, modified, body) VALUES ($id, $modified, $body)", transaction, "$id", "$modified", "$body");
            using var key = Command(
                "INSERT OR REPLACE INTO advisory_packages (ecosystem, name, advisory_id, ranges) VALUES ($ecosystem, $name, $id, $ranges)", transaction, "$ecosystem", "$name", "$id", "$ranges");
            foreach (var advisory in advisories)
            {
                ct.ThrowIfCancellationRequested();
                var stored = Stored(before, beforeRanges, advisory.Id);
                delete.Parameters["$id"].Value = advisory.Id;
                delete.ExecuteNonQuery();
                if (advisory.Withdrawn)
                {
                    withdrawn++;
                    if (stored is not null) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Withdrawn, []));
                }
                else
                {
                    var body = AdvisoryJson.Write(advisory with { Affected = [] });
                    insert.Parameters["$id"].Value = advisory.Id;
                    insert.Parameters["$modified"].Value = advisory.Modified is { } m ? Iso(m) : DBNull.Value;
                    insert.Parameters["$body"].Value = body;
                    insert.ExecuteNonQuery();
                    packages += WriteRanges(key, advisory);
                    imported++;
                    if (stored is null) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Added, Keys(advisory)));
                    else if (stored != Signature(body, RangeRows(advisory))) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Changed, Keys(advisory)));
                }

                if (++pending < ImportBatch) continue;
                transaction.Commit();
                transaction.Dispose();
                transaction = _connection.BeginTransaction();
                foreach (var c in new[] { before, beforeRanges, delete, insert, key }) c.Transaction = transaction;
                pending = 0;
            }

            transaction.Commit();
        }
        finally
        {
            transaction.Dispose();
        }

        return new AdvisoryImportResult(imported, withdrawn, packages) { Changes = changes };
    }

    /// <summary>The stored advisory's body and package rows as one text, or null when the id is not stored.</summary>
    private static string? Stored(SqliteCommand body, SqliteCommand ranges, string id)
    {
        body.Parameters["$id"].Value = id;
        if (body.ExecuteScalar() is not string text) return null;
        ranges.Parameters["$id"].Value = id;
        var rows = new List<string>();
        using (var reader = ranges.ExecuteReader())
        {
            while (reader.Read()) rows.Add(reader.GetString(0) + "|" + reader.GetString(1) + "|" + reader.GetString(2));
        }

        return Signature(text, rows);
    }

    internal static (string, string)[] Keys(Advisory advisory) =>
        [.. advisory.Affected.Select(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name))).Distinct()];

    internal static string Signature(string body, IEnumerable<string> rows) => body + "\n" + string.Join("\n", rows);

    /// <summary>The package rows <see cref="WriteRanges"/> writes for the advisory, in the order <see cref="Stored"/> reads them.</summary>
    internal static IEnumerable<string> RangeRows(Advisory advisory) => advisory.Affected
        .GroupBy(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name)))
        .Select(g => (g.Key.Item1, g.Key.Item2, Ranges: CompactAffected.Write(g)))
        .OrderBy(r => r.Item1, StringComparer.Ordinal).ThenBy(r => r.Item2, StringComparer.Ordinal)
        .Select(r => r.Item1 + "|" + r.Item2 + "|" + r.Ranges);

    /// <summary>Migration 6 on a store from before it: each package row gets its compact entries from the advisory's body, and bodies lose their entries.</summary>
    internal static void FillCompactRanges(SqliteConnection connection, SqliteTransaction transaction)
    {
        var advisories = new List<Advisory>();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT body FROM advisories";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                if (AdvisoryJson.Read(reader.GetString(0)) is { } advisory) advisories.Add(advisory);
            }
        }

        using var key = new SqliteCommand(
            "INSERT OR REPLACE INTO advisory_packages (ecosystem, name, advisory_id, ranges) VALUES ($ecosystem, $name, $id, $ranges)", connection, transaction);
        foreach (var p in new[] { "$ecosystem", "$name", "$id", "$ranges" }) key.Parameters.Add(new SqliteParameter(p, null));
        using var body = new SqliteCommand("UPDATE advisories SET body = $body WHERE id = $id", connection, transaction);
        body.Parameters.Add(new SqliteParameter("$body", null));
        body.Parameters.Add(new SqliteParameter("$id", null));
        foreach (var advisory in advisories)
        {
            WriteRanges(key, advisory);
            body.Parameters["$body"].Value = AdvisoryJson.Write(advisory with { Affected = [] });
            body.Parameters["$id"].Value = advisory.Id;
            body.ExecuteNonQuery();
        }
    }

    /// <summary>One row per (ecosystem, package) the advisory names, with its entries for that package; returns the rows written.</summary>
    private static int WriteRanges(SqliteCommand key, Advisory advisory)
    {
        var rows = 0;
        foreach (var entries in advisory.Affected.GroupBy(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name))))
        {
            key.Parameters["$ecosystem"].Value = entries.Key.Item1;
            key.Parameters["$name"].Value = entries.Key.Item2;
            key.Parameters["$id"].Value = advisory.Id;
            key.Parameters["$ranges"].Value = CompactAffected.Write(entries);
            rows += key.ExecuteNonQuery();
        }

        return rows;
    }

    public long AdvisoryCount()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM advisories";
        return (long)command.ExecuteScalar()!;
    }

    public string AdvisoryState()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*) || ':' || ifnull(max(modified), '') FROM advisories";
        return (string)command.ExecuteScalar()!;
    }

    public IAdvisoryIndex OpenAdvisoryIndex() => new SqliteAdvisoryIndex(_connection);

    private SqliteCommand Command(string sql, SqliteTransaction transaction, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var p in parameters) command.Parameters.Add(new SqliteParameter(p, null));
        return command;
    }

    /// <summary>Looks packages up with one prepared statement, keeping what it read for the rest of the scan.</summary>
    /// <remarks>
    /// A lockfile asks for every package it holds and most have no advisory: the statements run straight on the SQLite handle,
    /// without a command's per-call reader and parameter overhead. A lookup reads only the compact entries of the package
    /// (migration 6); a whole advisory is read, once, when a version matches.
    /// </remarks>
    private sealed class SqliteAdvisoryIndex : IAdvisoryIndex
    {
        private readonly sqlite3 _database;
        private readonly sqlite3_stmt _packages;
        private readonly sqlite3_stmt _advisory;
        private readonly sqlite3_stmt _manyPackages;
        private readonly sqlite3_stmt _manyAdvisories;
        private readonly Dictionary<(string, string), IReadOnlyList<PackageAdvisory>> _cache = [];
        private readonly Dictionary<string, Advisory?> _advisories = new(StringComparer.Ordinal);

        public SqliteAdvisoryIndex(SqliteConnection connection)
        {
            _database = connection.Handle!;
            _packages = SqliteRaw.Prepare(_database, "SELECT advisory_id, ranges FROM advisory_packages WHERE ecosystem = ?1 AND name = ?2 ORDER BY advisory_id");
            _advisory = SqliteRaw.Prepare(_database, "SELECT body FROM advisories WHERE id = ?1");
            // CROSS JOIN keeps the list of names as the outer loop: each name is one primary-key search, not a scan of the ecosystem.
            _manyPackages = SqliteRaw.Prepare(_database, "SELECT p.name, p.advisory_id, p.ranges FROM json_each(?2) AS j CROSS JOIN advisory_packages AS p ON p.ecosystem = ?1 AND p.name = j.value");
            _manyAdvisories = SqliteRaw.Prepare(_database, "SELECT a.id, a.body FROM json_each(?1) AS j CROSS JOIN advisories AS a ON a.id = j.value");
        }

        public void Prefetch(IReadOnlyCollection<(string Ecosystem, string Name)> packages)
        {
            foreach (var ecosystem in packages.Select(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name))).Where(k => !_cache.ContainsKey(k)).GroupBy(k => k.Item1))
            {
                var found = new Dictionary<string, List<PackageAdvisory>>(StringComparer.Ordinal);
                raw.sqlite3_bind_text(_manyPackages, 1, ecosystem.Key);
                raw.sqlite3_bind_text(_manyPackages, 2, JsonArray(ecosystem.Select(k => k.Item2)));
                // Each name's rows come in primary-key order, by advisory id, as the one-package query orders them (checked, not assumed).
                Rows(_manyPackages, statement =>
                {
                    var name = raw.sqlite3_column_text(statement, 0).utf8_to_string();
                    if (!found.TryGetValue(name, out var list)) found[name] = list = new List<PackageAdvisory>(4);
                    list.Add(new PackageAdvisory(raw.sqlite3_column_text(statement, 1).utf8_to_string(), CompactAffected.Read(raw.sqlite3_column_text(statement, 2).utf8_to_string())));
                });
                foreach (var key in ecosystem)
                {
                    if (!found.TryGetValue(key.Item2, out var list))
                    {
                        _cache[key] = [];
                        continue;
                    }

                    for (var i = 1; i < list.Count; i++)
                    {
                        if (string.CompareOrdinal(list[i - 1].AdvisoryId, list[i].AdvisoryId) <= 0) continue;
                        list.Sort((x, y) => string.CompareOrdinal(x.AdvisoryId, y.AdvisoryId));
                        break;
                    }

                    _cache[key] = list;
                }
            }
        }

        public void PrefetchAdvisories(IReadOnlyCollection<string> ids)
        {
            var missing = ids.Where(id => !_advisories.ContainsKey(id)).ToList();
            if (missing.Count == 0) return;
            raw.sqlite3_bind_text(_manyAdvisories, 1, JsonArray(missing));
            Rows(_manyAdvisories, statement => _advisories[raw.sqlite3_column_text(statement, 0).utf8_to_string()] = AdvisoryJson.Read(raw.sqlite3_column_text(statement, 1).utf8_to_string()));
            foreach (var id in missing) _advisories.TryAdd(id, null);
        }

        public IReadOnlyList<PackageAdvisory> For(string ecosystem, string name)
        {
            var key = (Ecosystems.Base(ecosystem), PackageNames.Normalize(ecosystem, name));
            if (_cache.TryGetValue(key, out var cached)) return cached;
            raw.sqlite3_bind_text(_packages, 1, key.Item1);
            raw.sqlite3_bind_text(_packages, 2, key.Item2);
            List<PackageAdvisory>? found = null;
            Rows(_packages, statement => (found ??= []).Add(
                new PackageAdvisory(raw.sqlite3_column_text(statement, 0).utf8_to_string(), CompactAffected.Read(raw.sqlite3_column_text(statement, 1).utf8_to_string()))));
            IReadOnlyList<PackageAdvisory> list = found ?? (IReadOnlyList<PackageAdvisory>)[];
            _cache[key] = list;
            return list;
        }

        public Advisory? Advisory(string id)
        {
            if (_advisories.TryGetValue(id, out var cached)) return cached;
            raw.sqlite3_bind_text(_advisory, 1, id);
            Advisory? advisory = null;
            Rows(_advisory, statement => advisory = AdvisoryJson.Read(raw.sqlite3_column_text(statement, 0).utf8_to_string()));
            _advisories[id] = advisory;
            return advisory;
        }

        public void Dispose()
        {
            _packages.Dispose();
            _advisory.Dispose();
            _manyPackages.Dispose();
            _manyAdvisories.Dispose();
        }

        private void Rows(sqlite3_stmt statement, Action<sqlite3_stmt> row)
        {
            try
            {
                int result;
                while ((result = raw.sqlite3_step(statement)) == raw.SQLITE_ROW) row(statement);
                if (result != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(result, _database);
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }

        private static string JsonArray(IEnumerable<string> values)
        {
            using var buffer = new MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                foreach (var v in values) writer.WriteStringValue(v);
                writer.WriteEndArray();
            }

            return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }
}
