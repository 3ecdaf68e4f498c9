using Microsoft.Data.Sqlite;
using SQLitePCL;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Store.Sqlite;

/// <summary>The advisory index of migrations 4 and 6 (and the change counter of 16): imports, counts and listings through <see cref="SharedAdvisories"/>, lookups on this connection's handle.</summary>
public sealed partial class SqliteStore : IAdvisoryStore
{
    private SharedAdvisories Advisories => new(this);

    public AdvisoryImportResult ImportAdvisories(IEnumerable<Advisory> advisories, CancellationToken ct) => Advisories.ImportAdvisories(advisories, ct);

    public long AdvisoryCount() => Advisories.AdvisoryCount();

    public string AdvisoryState() => Advisories.AdvisoryState();

    public IAdvisoryIndex OpenAdvisoryIndex() => new SqliteAdvisoryIndex(_connection);

    /// <summary>The advisory index, summarized for people (<c>vulndb list</c>): per ecosystem, its packages and advisories.</summary>
    public IReadOnlyList<AdvisoryEcosystem> AdvisoryEcosystems() => Advisories.AdvisoryEcosystems();

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
            foreach (var (ecosystem, name, ranges) in SharedAdvisories.PackageRows(advisory))
            {
                key.Parameters["$ecosystem"].Value = ecosystem;
                key.Parameters["$name"].Value = name;
                key.Parameters["$id"].Value = advisory.Id;
                key.Parameters["$ranges"].Value = ranges;
                key.ExecuteNonQuery();
            }

            body.Parameters["$body"].Value = AdvisoryJson.Write(advisory with { Affected = [] });
            body.Parameters["$id"].Value = advisory.Id;
            body.ExecuteNonQuery();
        }
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
