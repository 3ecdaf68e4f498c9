namespace PipeWatch.Store.Sqlite;

/// <summary>
/// The delivery log in the store file's <c>alert_deliveries</c> table (migration 9), and the read side of the alert outbox
/// (<c>alert_outbox</c>, migration 13): the same code as on PostgreSQL (<see cref="SharedDeliveryLog"/>), on connections of its own
/// (routes write beside the ingest batch).
/// </summary>
public sealed class SqliteDeliveryLog : IDeliveryLog, IAlertOutbox, IDisposable
{
    private readonly SharedDeliveryLog _log;

    private SqliteDeliveryLog(SharedDeliveryLog log) => _log = log;

    /// <summary>Opens the log in the store file at <paramref name="path"/>, which an opened <see cref="SqliteStore"/> has migrated.</summary>
    /// <exception cref="StoreException">The file cannot be opened or has no delivery table (an older store not opened by this version).</exception>
    public static SqliteDeliveryLog Open(string path, TimeProvider? time = null) => Open(path, time, null);

    /// <summary>As <see cref="Open(string, TimeProvider?)"/>, with outbox claims that hold for <paramref name="lease"/>.</summary>
    internal static SqliteDeliveryLog Open(string path, TimeProvider? time, TimeSpan? lease)
    {
        var log = new SharedDeliveryLog(new SqliteFileTables(path), time ?? TimeProvider.System, lease);
        log.Check();
        return new SqliteDeliveryLog(log);
    }

    public void Delivered(string route, IReadOnlyList<DeliveredAlert> alerts, int attempts) => _log.Delivered(route, alerts, attempts);

    public void DeadLettered(string route, IReadOnlyList<DeliveredAlert> alerts, int attempts, string error) => _log.DeadLettered(route, alerts, attempts, error);

    public IReadOnlyList<DeadLetter> DeadLetters(string? route = null, int limit = 10_000) => _log.DeadLetters(route, limit);

    string IAlertOutbox.Owner => _log.Owner;

    TimeSpan IAlertOutbox.Lease => _log.Lease;

    IReadOnlyList<QueuedAlert> IAlertOutbox.Claim(string route, int limit) => _log.Claim(route, limit);

    int IAlertOutbox.Renew(string route) => _log.Renew(route);

    void IAlertOutbox.Release() => _log.Release();

    void IAlertOutbox.Settle(string route, IReadOnlyList<string> fingerprints) => _log.Settle(route, fingerprints);

    IReadOnlyDictionary<string, long> IAlertOutbox.QueuedCounts() => _log.QueuedCounts();

    public void Dispose() => _log.Dispose();
}
