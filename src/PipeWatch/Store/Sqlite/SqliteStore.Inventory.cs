using PipeWatch.Dependencies.Inventory;

namespace PipeWatch.Store.Sqlite;

/// <summary>The estate's inventory (migration 14), read on the store's connection between batches, through the SQL both stores speak (<see cref="SharedInventory"/>).</summary>
public sealed partial class SqliteStore : IInventoryStore
{
    private SharedInventory Inventory => new(_connection, null, SqlDialect.Sqlite);

    public IReadOnlyList<InventoryEntry> Using(IReadOnlyCollection<(string Ecosystem, string Name)> packages) =>
        packages.Count == 0 ? [] : Inventory.Using(packages);

    public IEnumerable<InventoryEntry> Entries(InventoryPlace? place = null) => Inventory.Entries(place);

    public (long Places, long Entries) CountInventory() => Inventory.Count();

    public IReadOnlySet<string> Exposures(string advisoryId) => Inventory.Exposures(advisoryId);

    public IInventoryTransaction BeginInventory() => new SqliteStoreBatch(_connection, _ledger);
}
