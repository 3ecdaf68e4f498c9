using Microsoft.Data.Sqlite;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Store.Sqlite;

/// <summary>The advisory index of migration 3: advisories by id, and which (ecosystem, package) each names.</summary>
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

    public IAdvisoryIndex OpenAdvisoryIndex() => new SqliteAdvisoryIndex(_connection);

    private SqliteCommand Command(string sql, SqliteTransaction transaction, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var p in parameters) command.Parameters.Add(new SqliteParameter(p, null));
        return command;
    }

    /// <summary>Looks packages up with one prepared query, keeping what it read for the rest of the scan.</summary>
    private sealed class SqliteAdvisoryIndex : IAdvisoryIndex
    {
        private readonly SqliteCommand _query;
        private readonly Dictionary<(string, string), IReadOnlyList<Advisory>> _cache = [];

        public SqliteAdvisoryIndex(SqliteConnection connection)
        {
            _query = connection.CreateCommand();
            _query.CommandText = "SELECT a.body FROM advisory_packages p JOIN advisories a ON a.id = p.advisory_id WHERE p.ecosystem = $ecosystem AND p.name = $name ORDER BY a.id";
            _query.Parameters.Add(new SqliteParameter("$ecosystem", ""));
            _query.Parameters.Add(new SqliteParameter("$name", ""));
            _query.Prepare();
        }

        public IReadOnlyList<Advisory> For(string ecosystem, string name)
        {
            var key = (Ecosystems.Base(ecosystem), PackageNames.Normalize(ecosystem, name));
            if (_cache.TryGetValue(key, out var cached)) return cached;
            _query.Parameters["$ecosystem"].Value = key.Item1;
            _query.Parameters["$name"].Value = key.Item2;
            var found = new List<Advisory>();
            using (var reader = _query.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (AdvisoryJson.Read(reader.GetString(0)) is { } advisory) found.Add(advisory);
                }
            }

            _cache[key] = found;
            return found;
        }

        public void Dispose() => _query.Dispose();
    }
}
