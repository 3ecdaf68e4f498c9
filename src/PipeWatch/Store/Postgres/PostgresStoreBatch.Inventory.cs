using PipeWatch.Dependencies.Inventory;

namespace PipeWatch.Store.Postgres;

/// <summary>The inventory written in the batch's transaction, with the findings and ledger of the same events (<see cref="SharedInventory"/>).</summary>
internal sealed partial class PostgresStoreBatch : IInventoryTransaction
{
    private SharedInventory Inventory => new(_connection, _transaction, SqlDialect.Postgres);

    public void Replace(InventoryUpdate update) => Inventory.Replace(update);

    public void RecordExposures(string advisoryId, string fingerprint, IReadOnlyList<InventoryEntry> exposed, DateTimeOffset at) =>
        Inventory.RecordExposures(advisoryId, fingerprint, exposed, at);

    public int CloseExposures(string advisoryId, string reason, DateTimeOffset at) => Inventory.CloseExposures(advisoryId, reason, at);
}
