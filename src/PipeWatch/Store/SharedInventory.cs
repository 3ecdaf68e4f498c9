using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Store;

/// <summary>
/// The estate's inventory (tables <c>inventory</c> and <c>inventory_exposures</c>: SQLite's migration 14, PostgreSQL's 6) on either
/// store, in SQL both dialects speak, over a connection (and the transaction, when one is open on it) the caller holds.
/// </summary>
/// <remarks>
/// One text per statement for both stores, except the package lookup's list of keys (a JSON array read by each dialect's JSON
/// function); PostgreSQL's key columns are <c>COLLATE "C"</c>, so listings come in SQLite's byte order, and the lookup orders its
/// rows as SQLite's plan gives them (by key, then by primary key). Not thread-safe: the caller's connection is used as it is.
/// </remarks>
internal sealed class SharedInventory(DbConnection connection, DbTransaction? transaction, SqlDialect dialect)
{
    private const string Columns = "place_kind, place, path, ecosystem, name, version, layer, direct, source, first_seen";

    /// <summary>Replaces a place's (or one file's) items: rows it no longer has are deleted, new ones inserted, kept ones keep their first-seen time.</summary>
    public void Replace(InventoryUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var kind = update.Place.KindText;
        var existing = new HashSet<(string, string, string, string, string)>();
        using (var read = Command(
            $"SELECT path, ecosystem, name, version, layer FROM inventory WHERE place_kind = @kind AND place = @place{(update.Path is null ? "" : " AND path = @path")}"))
        {
            read.AddParameter("@kind", kind);
            read.AddParameter("@place", update.Place.Id);
            if (update.Path is not null) read.AddParameter("@path", update.Path);
            using var reader = read.ExecuteReader();
            while (reader.Read()) existing.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }

        var wanted = new Dictionary<(string, string, string, string, string), InventoryItem>();
        foreach (var item in update.Items)
        {
            var path = update.Path ?? item.Path;
            wanted.TryAdd((path, item.Ecosystem, item.Name, item.Version, item.Layer), item with { Path = path });
        }

        using (var delete = Command(
            "DELETE FROM inventory WHERE place_kind = @kind AND place = @place AND path = @path AND ecosystem = @ecosystem AND name = @name AND version = @version AND layer = @layer"))
        {
            var key = KeyParameters(delete);
            foreach (var gone in existing.Where(k => !wanted.ContainsKey(k)).Order(KeyOrder.Instance))
            {
                Bind(key, kind, update.Place.Id, gone);
                delete.ExecuteNonQuery();
            }
        }

        using var insert = Command(
            "INSERT INTO inventory (place_kind, place, path, ecosystem, name, version, layer, direct, source, lookup_ecosystem, lookup_name, first_seen) "
            + "VALUES (@kind, @place, @path, @ecosystem, @name, @version, @layer, @direct, @source, @lookup_ecosystem, @lookup_name, @first_seen) "
            + "ON CONFLICT DO NOTHING");
        var keys = KeyParameters(insert);
        var direct = insert.AddParameter("@direct", 0L);
        var source = insert.AddParameter("@source", string.Empty);
        var lookupEcosystem = insert.AddParameter("@lookup_ecosystem", string.Empty);
        var lookupName = insert.AddParameter("@lookup_name", string.Empty);
        var firstSeen = insert.AddParameter("@first_seen", string.Empty);
        var seen = SqliteStore.Iso(update.SeenAt);
        // Rows in key order, in every writer: two transactions writing one place on PostgreSQL wait for each other, never deadlock.
        foreach (var (key, item) in wanted.OrderBy(w => w.Key, KeyOrder.Instance))
        {
            if (existing.Contains(key)) continue;
            Bind(keys, kind, update.Place.Id, key);
            var lookup = VulnerabilityMatcher.LookupKey(item.ToDependency());
            direct.Value = item.Direct ? 1L : 0L;
            source.Value = item.Source;
            lookupEcosystem.Value = lookup.Ecosystem;
            lookupName.Value = lookup.Name;
            firstSeen.Value = item.Since is { } since && since < update.SeenAt ? SqliteStore.Iso(since) : seen;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Records that the finding <paramref name="fingerprint"/> reported these places as exposed to the advisory.</summary>
    public void RecordExposures(string advisoryId, string fingerprint, IReadOnlyList<InventoryEntry> exposed, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(exposed);
        using var insert = Command(
            "INSERT INTO inventory_exposures (advisory_id, exposure, fingerprint, raised_at) VALUES (@id, @exposure, @fingerprint, @at) ON CONFLICT DO NOTHING");
        insert.AddParameter("@id", advisoryId);
        var exposure = insert.AddParameter("@exposure", string.Empty);
        insert.AddParameter("@fingerprint", fingerprint);
        insert.AddParameter("@at", SqliteStore.Iso(at));
        foreach (var key in exposed.Select(IInventoryStore.ExposureKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            exposure.Value = key;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Closes (the triage status, with an action saying why) each stored finding raised for the advisory, and forgets its exposures.</summary>
    public int CloseExposures(string advisoryId, string reason, DateTimeOffset at)
    {
        var fingerprints = new List<string>();
        using (var read = Command(
            "SELECT DISTINCT e.fingerprint FROM inventory_exposures e JOIN findings f ON f.fingerprint = e.fingerprint WHERE e.advisory_id = @id ORDER BY e.fingerprint"))
        {
            read.AddParameter("@id", advisoryId);
            using var reader = read.ExecuteReader();
            while (reader.Read()) fingerprints.Add(reader.GetString(0));
        }

        var now = SqliteStore.Iso(at);
        using var status = Command(
            "INSERT INTO finding_status (fingerprint, status, changed_at, changed_by) VALUES (@f, 'closed', @at, 'pipewatch') "
            + "ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at, changed_by = excluded.changed_by");
        using var action = Command("INSERT INTO finding_actions (fingerprint, action, at, by, reason) VALUES (@f, 'close', @at, 'pipewatch', @reason)");
        var statusFingerprint = status.AddParameter("@f", string.Empty);
        status.AddParameter("@at", now);
        var actionFingerprint = action.AddParameter("@f", string.Empty);
        action.AddParameter("@at", now);
        action.AddParameter("@reason", reason);
        foreach (var fingerprint in fingerprints)
        {
            statusFingerprint.Value = fingerprint;
            status.ExecuteNonQuery();
            actionFingerprint.Value = fingerprint;
            action.ExecuteNonQuery();
        }

        using var forget = Command("DELETE FROM inventory_exposures WHERE advisory_id = @id");
        forget.AddParameter("@id", advisoryId);
        forget.ExecuteNonQuery();
        return fingerprints.Count;
    }

    /// <summary>The entries of the packages with these advisory keys: by key in the order given, then by primary key.</summary>
    public List<InventoryEntry> Using(IReadOnlyCollection<(string Ecosystem, string Name)> packages)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var entries = new List<InventoryEntry>();
        var columns = string.Join(", ", Columns.Split(", ").Select(c => "i." + c));
        // The list of keys is the outer loop: each key is one search of the package index, not a scan of the inventory. SQLite's
        // plan gives the rows in that order; PostgreSQL is told it.
        using var command = Command(dialect == SqlDialect.Sqlite
            ? $"SELECT {columns} FROM json_each(@keys) AS j CROSS JOIN inventory AS i ON i.lookup_ecosystem = json_extract(j.value, '$[0]') AND i.lookup_name = json_extract(j.value, '$[1]')"
            : $"SELECT {columns} FROM jsonb_array_elements(CAST(@keys AS jsonb)) WITH ORDINALITY AS j(value, n) CROSS JOIN inventory AS i "
              + "WHERE i.lookup_ecosystem = j.value->>0 AND i.lookup_name = j.value->>1 ORDER BY j.n, i.place_kind, i.place, i.path, i.ecosystem, i.name, i.version, i.layer");
        command.AddParameter("@keys", JsonSerializer.Serialize(packages.Distinct().Select(p => new[] { p.Ecosystem, p.Name })));
        using var reader = command.ExecuteReader();
        while (reader.Read()) entries.Add(Entry(reader));
        return entries;
    }

    /// <summary>Every entry, by place then path then package; or those of one place. Read as enumerated.</summary>
    public IEnumerable<InventoryEntry> Entries(InventoryPlace? place)
    {
        using var command = Command($"SELECT {Columns} FROM inventory{(place is null ? "" : " WHERE place_kind = @kind AND place = @place")} ORDER BY place_kind, place, path, ecosystem, name, version, layer");
        if (place is not null)
        {
            command.AddParameter("@kind", place.KindText);
            command.AddParameter("@place", place.Id);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return Entry(reader);
    }

    public (long Places, long Entries) Count()
    {
        using var command = Command("SELECT (SELECT count(*) FROM (SELECT DISTINCT place_kind, place FROM inventory) AS p), (SELECT count(*) FROM inventory)");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public HashSet<string> Exposures(string advisoryId)
    {
        using var command = Command("SELECT exposure FROM inventory_exposures WHERE advisory_id = @id");
        command.AddParameter("@id", advisoryId);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    private static InventoryEntry Entry(DbDataReader r) => new(
        new InventoryPlace(InventoryPlace.Parse(r.GetString(0)) ?? PlaceKind.Repository, r.GetString(1)),
        new InventoryItem(r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(2), r.GetString(6), r.GetInt64(7) != 0, r.GetString(8)),
        DateTimeOffset.Parse(r.GetString(9), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));

    /// <summary>The key columns' parameters, in the order <see cref="Bind"/> fills them.</summary>
    private static DbParameter[] KeyParameters(DbCommand command) =>
        [.. new[] { "@kind", "@place", "@path", "@ecosystem", "@name", "@version", "@layer" }.Select(name => command.AddParameter(name, string.Empty))];

    private static void Bind(DbParameter[] key, string kind, string place, (string Path, string Ecosystem, string Name, string Version, string Layer) row)
    {
        key[0].Value = kind;
        key[1].Value = place;
        key[2].Value = row.Path;
        key[3].Value = row.Ecosystem;
        key[4].Value = row.Name;
        key[5].Value = row.Version;
        key[6].Value = row.Layer;
    }

    /// <summary>Inventory keys in byte order, column by column.</summary>
    private sealed class KeyOrder : IComparer<(string, string, string, string, string)>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare((string, string, string, string, string) x, (string, string, string, string, string) y)
        {
            var c = string.CompareOrdinal(x.Item1, y.Item1);
            if (c == 0) c = string.CompareOrdinal(x.Item2, y.Item2);
            if (c == 0) c = string.CompareOrdinal(x.Item3, y.Item3);
            if (c == 0) c = string.CompareOrdinal(x.Item4, y.Item4);
            return c != 0 ? c : string.CompareOrdinal(x.Item5, y.Item5);
        }
    }

    private DbCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
