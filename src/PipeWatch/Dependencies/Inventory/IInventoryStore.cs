namespace PipeWatch.Dependencies.Inventory;

/// <summary>Writes the inventory: inside a store batch (the engine's, with its findings) or one of its own.</summary>
/// <remarks>Implemented by a store's batch; used from the thread that owns the batch.</remarks>
public interface IInventoryWriter
{
    /// <summary>Replaces what the place (or one file of it) holds: items it no longer has leave, items it keeps keep their first-seen time.</summary>
    void Replace(InventoryUpdate update);

    /// <summary>Records that the finding <paramref name="fingerprint"/> reported these places as exposed to the advisory, so they are not reported again.</summary>
    void RecordExposures(string advisoryId, string fingerprint, IReadOnlyList<InventoryEntry> exposed, DateTimeOffset at);

    /// <summary>Closes the findings raised for the advisory (it was withdrawn) and forgets its exposures; returns the findings closed.</summary>
    int CloseExposures(string advisoryId, string reason, DateTimeOffset at);
}

/// <summary>The estate's inventory in a store: every package each repository, image, CI server and runner holds now (migration 14).</summary>
/// <remarks>Reads see what committed batches wrote. Owned by the store.</remarks>
public interface IInventoryStore
{
    /// <summary>The entries of the packages with these advisory keys (<see cref="Advisories.VulnerabilityMatcher.LookupKey"/>), across the whole estate.</summary>
    IReadOnlyList<InventoryEntry> Using(IReadOnlyCollection<(string Ecosystem, string Name)> packages);

    /// <summary>Every entry, by place then path then package; or those of one place.</summary>
    IEnumerable<InventoryEntry> Entries(InventoryPlace? place = null);

    /// <summary>The places and entries the inventory holds.</summary>
    (long Places, long Entries) CountInventory();

    /// <summary>The exposures already reported for an advisory, as <see cref="ExposureKey"/>s.</summary>
    IReadOnlySet<string> Exposures(string advisoryId);

    /// <summary>A writer over a transaction of its own; disposing without <see cref="IInventoryTransaction.Commit"/> rolls it back.</summary>
    IInventoryTransaction BeginInventory();

    /// <summary>What identifies an exposure: the place and the package version (any file of it).</summary>
    static string ExposureKey(InventoryEntry e) => $"{e.Place.KindText}|{e.Place.Id}|{e.Item.Ecosystem}|{e.Item.Name}|{e.Item.Version}";
}

/// <summary>An inventory write of its own, with the findings it raises: one transaction.</summary>
public interface IInventoryTransaction : IInventoryWriter, IDisposable
{
    /// <summary>Stores a finding; false when one with its fingerprint exists already.</summary>
    bool TryAddFinding(Findings.Finding finding);

    void Commit();
}
