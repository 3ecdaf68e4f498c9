using PipeWatch.Dependencies.Inventory;

namespace PipeWatch.Store.Sqlite;

/// <summary>The inventory written in the batch's transaction, with the findings and ledger of the same events.</summary>
internal sealed partial class SqliteStoreBatch : IInventoryTransaction
{
    public void Replace(InventoryUpdate update) => SqliteInventory.Replace(_transaction.Connection!, _transaction, update);

    public void RecordExposures(string advisoryId, string fingerprint, IReadOnlyList<InventoryEntry> exposed, DateTimeOffset at) =>
        SqliteInventory.RecordExposures(_transaction.Connection!, _transaction, advisoryId, fingerprint, exposed, at);

    public int CloseExposures(string advisoryId, string reason, DateTimeOffset at) =>
        SqliteInventory.CloseExposures(_transaction.Connection!, _transaction, advisoryId, reason, at);
}
