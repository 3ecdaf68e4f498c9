using PipeWatch.Dependencies.Inventory;

namespace PipeWatch.Store.Sqlite;

/// <summary>The estate's inventory (migration 14), read on the store's connection between batches.</summary>
public sealed partial class SqliteStore : IInventoryStore
{
    public IReadOnlyList<InventoryEntry> Using(IReadOnlyCollection<(string Ecosystem, string Name)> packages) =>
        packages.Count == 0 ? [] : SqliteInventory.Using(_connection, packages);

    public IEnumerable<InventoryEntry> Entries(InventoryPlace? place = null) => SqliteInventory.Entries(_connection, place);

    public (long Places, long Entries) CountInventory() => SqliteInventory.Count(_connection);

    public IReadOnlySet<string> Exposures(string advisoryId) => SqliteInventory.Exposures(_connection, advisoryId);

    public IInventoryTransaction BeginInventory() => new SqliteStoreBatch(_connection, _ledger);
}
