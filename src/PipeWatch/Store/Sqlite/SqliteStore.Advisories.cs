using Microsoft.Data.Sqlite;
using SQLitePCL;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Store.Sqlite;

/// <summary>The advisory index of migration 4: advisories by id, and which (ecosystem, package) each names.</summary>
public sealed partial class SqliteStore : IAdvisoryStore
{
    private const int ImportBatch = 5000;

    public AdvisoryImportResult ImportAdvisories(IEnumerable<Advisory> advisories, CancellationToken ct)
    {
        int imported = 0, withdrawn = 0, packages = 0, pending = 0;
        var transaction = _connection.BeginTransaction();
        try
        {
            using var delete = Command("DELETE FROM advisories WHERE id = $id; DELETE FROM advisory_packages WHERE advisory_id = $id;", transaction, "$id");
            using var insert = Command("INSERT INTO advisories (id, modified, body) VALUES ($id, $modified, $body)", transaction, "$id", "$modified", "$body");
            using var key = Command("INSERT OR IGNORE INTO advisory_packages (ecosystem, name, advisory_id) VALUES ($ecosystem, $name, $id)", transaction, "$ecosystem", "$name", "$id");
            foreach (var advisory in advisories)
            {
                ct.ThrowIfCancellationRequested();
                delete.Parameters["$id"].Value = advisory.Id;
                delete.ExecuteNonQuery();
                if (advisory.Withdrawn)
                {
                    withdrawn++;
                }
                else
                {
                    insert.Parameters["$id"].Value = advisory.Id;
                    insert.Parameters["$modified"].Value = advisory.Modified is { } m ? Iso(m) : DBNull.Value;
                    insert.Parameters["$body"].Value = AdvisoryJson.Write(advisory);
                    insert.ExecuteNonQuery();
                    foreach (var (ecosystem, name) in advisory.Affected.Select(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name))).Distinct())
                    {
                        key.Parameters["$ecosystem"].Value = ecosystem;
                        key.Parameters["$name"].Value = name;
                        key.Parameters["$id"].Value = advisory.Id;
                        packages += key.ExecuteNonQuery();
                    }

                    imported++;
                }

                if (++pending < ImportBatch) continue;
                transaction.Commit();
                transaction.Dispose();
                transaction = _connection.BeginTransaction();
                foreach (var c in new[] { delete, insert, key }) c.Transaction = transaction;
                pending = 0;
            }

            transaction.Commit();
        }
        finally
        {
            transaction.Dispose();
        }

        return new AdvisoryImportResult(imported, withdrawn, packages);
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
    /// A lockfile asks for every package it holds and most have no advisory: the statement runs straight on the SQLite handle,
    /// without a command's per-call reader and parameter overhead, which was most of the matching time.
    /// </remarks>
    private sealed class SqliteAdvisoryIndex : IAdvisoryIndex
    {
        private readonly sqlite3 _database;
        private readonly sqlite3_stmt _query;
        private readonly Dictionary<(string, string), IReadOnlyList<Advisory>> _cache = [];

        public SqliteAdvisoryIndex(SqliteConnection connection)
        {
            _database = connection.Handle!;
            SqliteException.ThrowExceptionForRC(
                raw.sqlite3_prepare_v2(
                    _database,
                    "SELECT a.body FROM advisory_packages p JOIN advisories a ON a.id = p.advisory_id WHERE p.ecosystem = ?1 AND p.name = ?2 ORDER BY a.id",
                    out _query),
                _database);
        }

        public IReadOnlyList<Advisory> For(string ecosystem, string name)
        {
            var key = (Ecosystems.Base(ecosystem), PackageNames.Normalize(ecosystem, name));
            if (_cache.TryGetValue(key, out var cached)) return cached;
            raw.sqlite3_bind_text(_query, 1, key.Item1);
            raw.sqlite3_bind_text(_query, 2, key.Item2);
            List<Advisory>? found = null;
            try
            {
                int result;
                while ((result = raw.sqlite3_step(_query)) == raw.SQLITE_ROW)
                {
                    if (AdvisoryJson.Read(raw.sqlite3_column_text(_query, 0).utf8_to_string()) is { } advisory) (found ??= []).Add(advisory);
                }

                if (result != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(result, _database);
            }
            finally
            {
                raw.sqlite3_reset(_query);
            }

            IReadOnlyList<Advisory> list = found ?? (IReadOnlyList<Advisory>)[];
            _cache[key] = list;
            return list;
        }

        public void Dispose() => _query.Dispose();
    }
}
