using PipeWatch.Dependencies.Inventory;

namespace PipeWatch.Store.Postgres;

/// <summary>The estate's inventory on PostgreSQL (migration 6), through the SQL both stores speak (<see cref="SharedInventory"/>); written in a batch of its own.</summary>
internal sealed partial class PostgresStore : IInventoryStore
{
    public IReadOnlyList<InventoryEntry> Using(IReadOnlyCollection<(string Ecosystem, string Name)> packages)
    {
        ArgumentNullException.ThrowIfNull(packages);
        if (packages.Count == 0) return [];
        return Guard("cannot read the inventory", () =>
        {
            using var connection = _source.OpenConnection();
            return (IReadOnlyList<InventoryEntry>)new SharedInventory(connection, null, SqlDialect.Postgres).Using(packages);
        });
    }

    /// <remarks>Read on a connection of its own, opened when the caller starts reading and returned when it stops.</remarks>
    public IEnumerable<InventoryEntry> Entries(InventoryPlace? place = null)
    {
        using var connection = Guard("cannot read the inventory", () => _source.OpenConnection());
        foreach (var entry in new SharedInventory(connection, null, SqlDialect.Postgres).Entries(place)) yield return entry;
    }

    public (long Places, long Entries) CountInventory() => Guard("cannot count the inventory", () =>
    {
        using var connection = _source.OpenConnection();
        return new SharedInventory(connection, null, SqlDialect.Postgres).Count();
    });

    public IReadOnlySet<string> Exposures(string advisoryId) => Guard("cannot read the inventory's exposures", () =>
    {
        using var connection = _source.OpenConnection();
        return (IReadOnlySet<string>)new SharedInventory(connection, null, SqlDialect.Postgres).Exposures(advisoryId);
    });

    /// <summary>A batch of its own: the inventory and the findings it raises in one transaction.</summary>
    public IInventoryTransaction BeginInventory() => Guard("cannot begin an inventory write", () => new PostgresStoreBatch(_source.OpenConnection()));
}
