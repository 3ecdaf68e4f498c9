using System.Data.Common;
using System.Globalization;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Store;

/// <summary>
/// The advisory index (tables <c>advisories</c> and <c>advisory_packages</c>) on any <see cref="ISharedTables"/> store, in SQL both
/// dialects speak: what the PostgreSQL store keeps for <c>vulndb import|update</c>, <c>serve.vulndb-url</c> and dependency matching.
/// </summary>
/// <remarks>
/// The rows are SQLite's (migrations 4 and 6): the same advisory body, the same compact entries per package, the same change
/// signature; so an import reports the same changes and a lookup the same entries on either store. PostgreSQL's key columns are
/// <c>COLLATE "C"</c>, so its orderings are SQLite's byte order. Each call opens a connection of its own; an index holds one until disposed.
/// </remarks>
internal sealed class SharedAdvisories(ISharedTables tables) : IAdvisoryStore
{
    private const int ImportBatch = 5000;

    /// <summary>How many names one lookup asks for at once (a parameter each).</summary>
    private const int LookupChunk = 500;

    public AdvisoryImportResult ImportAdvisories(IEnumerable<Advisory> advisories, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(advisories);
        int imported = 0, withdrawn = 0, packages = 0, pending = 0;
        var changes = new List<AdvisoryChange>();
        using var connection = tables.OpenConnection();
        var transaction = connection.BeginTransaction();
        try
        {
            using var before = Command(connection, "SELECT body FROM advisories WHERE id = @id", "@id");
            using var beforeRanges = Command(connection, "SELECT ecosystem, name, ranges FROM advisory_packages WHERE advisory_id = @id ORDER BY ecosystem, name", "@id");
            using var deleteAdvisory = Command(connection, "DELETE FROM advisories WHERE id = @id", "@id");
            using var deletePackages = Command(connection, "DELETE FROM advisory_packages WHERE advisory_id = @id", "@id");
            using var insert = Command(connection, "INSERT INTO advisories (id, modified, body) VALUES (@id, @modified, @body)", "@id", "@modified", "@body");
            using var key = Command(
                connection,
                "INSERT INTO advisory_packages (ecosystem, name, advisory_id, ranges) VALUES (@ecosystem, @name, @id, @ranges) "
                + "ON CONFLICT (ecosystem, name, advisory_id) DO UPDATE SET ranges = excluded.ranges",
                "@ecosystem", "@name", "@id", "@ranges");
            DbCommand[] all = [before, beforeRanges, deleteAdvisory, deletePackages, insert, key];
            foreach (var c in all) c.Transaction = transaction;
            foreach (var advisory in advisories)
            {
                ct.ThrowIfCancellationRequested();
                var stored = Stored(before, beforeRanges, advisory.Id);
                deleteAdvisory.Parameters[0].Value = advisory.Id;
                deleteAdvisory.ExecuteNonQuery();
                deletePackages.Parameters[0].Value = advisory.Id;
                deletePackages.ExecuteNonQuery();
                if (advisory.Withdrawn)
                {
                    withdrawn++;
                    if (stored is not null) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Withdrawn, []));
                }
                else
                {
                    var body = AdvisoryJson.Write(advisory with { Affected = [] });
                    insert.Parameters[0].Value = advisory.Id;
                    insert.Parameters[1].Value = advisory.Modified is { } m ? SqliteStore.Iso(m) : DBNull.Value;
                    insert.Parameters[2].Value = body;
                    insert.ExecuteNonQuery();
                    packages += WriteRanges(key, advisory);
                    imported++;
                    if (stored is null) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Added, SqliteStore.Keys(advisory)));
                    else if (stored != SqliteStore.Signature(body, SqliteStore.RangeRows(advisory))) changes.Add(new AdvisoryChange(advisory.Id, AdvisoryChangeKind.Changed, SqliteStore.Keys(advisory)));
                }

                if (++pending < ImportBatch) continue;
                transaction.Commit();
                transaction.Dispose();
                transaction = connection.BeginTransaction();
                foreach (var c in all) c.Transaction = transaction;
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

    public long AdvisoryCount() => Convert.ToInt64(Scalar("SELECT count(*) FROM advisories"), CultureInfo.InvariantCulture);

    public string AdvisoryState() => (string)Scalar("SELECT CAST(count(*) AS TEXT) || ':' || coalesce(max(modified), '') FROM advisories")!;

    /// <summary>Per ecosystem, its packages and advisories (<c>vulndb list</c>), as <see cref="SqliteStore.AdvisoryEcosystems"/> gives them.</summary>
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

    private object? Scalar(string sql)
    {
        using var connection = tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static DbCommand Command(DbConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters) command.AddParameter(p, string.Empty);
        return command;
    }

    /// <summary>The stored advisory's body and package rows as one text (<see cref="SqliteStore.Signature"/>), or null when the id is not stored.</summary>
    private static string? Stored(DbCommand body, DbCommand ranges, string id)
    {
        body.Parameters[0].Value = id;
        if (body.ExecuteScalar() is not string text) return null;
        ranges.Parameters[0].Value = id;
        var rows = new List<string>();
        using (var reader = ranges.ExecuteReader())
        {
            while (reader.Read()) rows.Add(reader.GetString(0) + "|" + reader.GetString(1) + "|" + reader.GetString(2));
        }

        return SqliteStore.Signature(text, rows);
    }

    private static int WriteRanges(DbCommand key, Advisory advisory)
    {
        var rows = 0;
        foreach (var entries in advisory.Affected.GroupBy(p => (Ecosystems.Base(p.Ecosystem), PackageNames.Normalize(p.Ecosystem, p.Name))))
        {
            key.Parameters[0].Value = entries.Key.Item1;
            key.Parameters[1].Value = entries.Key.Item2;
            key.Parameters[2].Value = advisory.Id;
            key.Parameters[3].Value = CompactAffected.Write(entries);
            rows += key.ExecuteNonQuery();
        }

        return rows;
    }

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
    }
}
