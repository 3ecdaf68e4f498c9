using System.Globalization;
using Microsoft.Data.Sqlite;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;

namespace PipeWatch.Store.Sqlite;

/// <summary>The inventory tables of migration 14, written in a transaction the caller holds (a store batch).</summary>
internal static class SqliteInventory
{
    private const string Columns = "place_kind, place, path, ecosystem, name, version, layer, direct, source, first_seen";

    /// <summary>Replaces a place's (or one file's) items: rows it no longer has are deleted, new ones inserted, kept ones keep their first-seen time.</summary>
    public static void Replace(SqliteConnection connection, SqliteTransaction transaction, InventoryUpdate update)
    {
        var kind = update.Place.KindText;
        var scope = update.Path is null ? "" : " AND path = $path";
        var existing = new HashSet<(string, string, string, string, string)>();
        using (var read = Command(connection, transaction, $"SELECT path, ecosystem, name, version, layer FROM inventory WHERE place_kind = $kind AND place = $place{scope}"))
        {
            read.Parameters.AddWithValue("$kind", kind);
            read.Parameters.AddWithValue("$place", update.Place.Id);
            if (update.Path is not null) read.Parameters.AddWithValue("$path", update.Path);
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
            connection, transaction, "DELETE FROM inventory WHERE place_kind = $kind AND place = $place AND path = $path AND ecosystem = $ecosystem AND name = $name AND version = $version AND layer = $layer"))
        {
            Parameters(delete, KeyParameters);
            foreach (var gone in existing.Where(k => !wanted.ContainsKey(k)))
            {
                Bind(delete, kind, update.Place.Id, gone);
                delete.ExecuteNonQuery();
            }
        }

        using var insert = Command(
            connection,
            transaction,
            "INSERT OR IGNORE INTO inventory (place_kind, place, path, ecosystem, name, version, layer, direct, source, lookup_ecosystem, lookup_name, first_seen) " +
            "VALUES ($kind, $place, $path, $ecosystem, $name, $version, $layer, $direct, $source, $lookup_ecosystem, $lookup_name, $first_seen)");
        Parameters(insert, [.. KeyParameters, "$direct", "$source", "$lookup_ecosystem", "$lookup_name", "$first_seen"]);
        var seen = SqliteStore.Iso(update.SeenAt);
        foreach (var (key, item) in wanted)
        {
            if (existing.Contains(key)) continue;
            Bind(insert, kind, update.Place.Id, key);
            var lookup = VulnerabilityMatcher.LookupKey(item.ToDependency());
            insert.Parameters["$direct"].Value = item.Direct ? 1 : 0;
            insert.Parameters["$source"].Value = item.Source;
            insert.Parameters["$lookup_ecosystem"].Value = lookup.Ecosystem;
            insert.Parameters["$lookup_name"].Value = lookup.Name;
            insert.Parameters["$first_seen"].Value = item.Since is { } since && since < update.SeenAt ? SqliteStore.Iso(since) : seen;
            insert.ExecuteNonQuery();
        }
    }

    public static void RecordExposures(SqliteConnection connection, SqliteTransaction transaction, string advisoryId, string fingerprint, IReadOnlyList<InventoryEntry> exposed, DateTimeOffset at)
    {
        using var insert = Command(
            connection, transaction, "INSERT OR IGNORE INTO inventory_exposures (advisory_id, exposure, fingerprint, raised_at) VALUES ($id, $exposure, $fingerprint, $at)");
        insert.Parameters.AddWithValue("$id", advisoryId);
        insert.Parameters.AddWithValue("$fingerprint", fingerprint);
        insert.Parameters.AddWithValue("$at", SqliteStore.Iso(at));
        var exposure = insert.Parameters.Add("$exposure", SqliteType.Text);
        foreach (var key in exposed.Select(IInventoryStore.ExposureKey).Distinct(StringComparer.Ordinal))
        {
            exposure.Value = key;
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Closes (the triage status of migration 8, with an action saying why) each stored finding raised for the advisory, and forgets its exposures.</summary>
    public static int CloseExposures(SqliteConnection connection, SqliteTransaction transaction, string advisoryId, string reason, DateTimeOffset at)
    {
        var fingerprints = new List<string>();
        using (var read = Command(
            connection, transaction, "SELECT DISTINCT e.fingerprint FROM inventory_exposures e JOIN findings f ON f.fingerprint = e.fingerprint WHERE e.advisory_id = $id ORDER BY e.fingerprint"))
        {
            read.Parameters.AddWithValue("$id", advisoryId);
            using var reader = read.ExecuteReader();
            while (reader.Read()) fingerprints.Add(reader.GetString(0));
        }

        var now = SqliteStore.Iso(at);
        using var status = Command(connection, transaction, "INSERT OR REPLACE INTO finding_status (fingerprint, status, changed_at, changed_by) VALUES ($f, 'closed', $at, 'pipewatch')");
        using var action = Command(connection, transaction, "INSERT INTO finding_actions (fingerprint, action, at, by, reason) VALUES ($f, 'close', $at, 'pipewatch', $reason)");
        foreach (var command in new[] { status, action })
        {
            command.Parameters.Add("$f", SqliteType.Text);
            command.Parameters.AddWithValue("$at", now);
        }

        action.Parameters.AddWithValue("$reason", reason);
        foreach (var fingerprint in fingerprints)
        {
            status.Parameters["$f"].Value = fingerprint;
            status.ExecuteNonQuery();
            action.Parameters["$f"].Value = fingerprint;
            action.ExecuteNonQuery();
        }

        using var forget = Command(connection, transaction, "DELETE FROM inventory_exposures WHERE advisory_id = $id");
        forget.Parameters.AddWithValue("$id", advisoryId);
        forget.ExecuteNonQuery();
        return fingerprints.Count;
    }

    public static List<InventoryEntry> Using(SqliteConnection connection, IReadOnlyCollection<(string Ecosystem, string Name)> packages)
    {
        var entries = new List<InventoryEntry>();
        // The list of keys is the outer loop: each key is one search of the package index, not a scan of the inventory.
        using var command = Command(
            connection,
            null,
            $"SELECT {string.Join(", ", Columns.Split(", ").Select(c => "i." + c))} FROM json_each($keys) AS j CROSS JOIN inventory AS i ON i.lookup_ecosystem = json_extract(j.value, '$[0]') AND i.lookup_name = json_extract(j.value, '$[1]')");
        command.Parameters.AddWithValue("$keys", System.Text.Json.JsonSerializer.Serialize(packages.Distinct().Select(p => new[] { p.Ecosystem, p.Name })));
        using var reader = command.ExecuteReader();
        while (reader.Read()) entries.Add(Entry(reader));
        return entries;
    }

    public static IEnumerable<InventoryEntry> Entries(SqliteConnection connection, InventoryPlace? place)
    {
        using var command = Command(connection, null, $"SELECT {Columns} FROM inventory{(place is null ? "" : " WHERE place_kind = $kind AND place = $place")} ORDER BY place_kind, place, path, ecosystem, name, version, layer");
        if (place is not null)
        {
            command.Parameters.AddWithValue("$kind", place.KindText);
            command.Parameters.AddWithValue("$place", place.Id);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return Entry(reader);
    }

    public static (long Places, long Entries) Count(SqliteConnection connection)
    {
        using var command = Command(connection, null, "SELECT (SELECT count(*) FROM (SELECT DISTINCT place_kind, place FROM inventory)), (SELECT count(*) FROM inventory)");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public static HashSet<string> Exposures(SqliteConnection connection, string advisoryId)
    {
        using var command = Command(connection, null, "SELECT exposure FROM inventory_exposures WHERE advisory_id = $id");
        command.Parameters.AddWithValue("$id", advisoryId);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    private static InventoryEntry Entry(SqliteDataReader r) => new(
        new InventoryPlace(InventoryPlace.Parse(r.GetString(0)) ?? PlaceKind.Repository, r.GetString(1)),
        new InventoryItem(r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(2), r.GetString(6), r.GetInt64(7) != 0, r.GetString(8)),
        DateTimeOffset.Parse(r.GetString(9), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));

    private static void Bind(SqliteCommand command, string kind, string place, (string Path, string Ecosystem, string Name, string Version, string Layer) key)
    {
        command.Parameters["$kind"].Value = kind;
        command.Parameters["$place"].Value = place;
        command.Parameters["$path"].Value = key.Path;
        command.Parameters["$ecosystem"].Value = key.Ecosystem;
        command.Parameters["$name"].Value = key.Name;
        command.Parameters["$version"].Value = key.Version;
        command.Parameters["$layer"].Value = key.Layer;
    }

    private static readonly string[] KeyParameters = ["$kind", "$place", "$path", "$ecosystem", "$name", "$version", "$layer"];

    private static void Parameters(SqliteCommand command, IEnumerable<string> names)
    {
        foreach (var name in names) command.Parameters.Add(name, SqliteType.Text);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
