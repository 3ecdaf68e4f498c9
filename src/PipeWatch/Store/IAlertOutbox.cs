namespace PipeWatch.Store;

/// <summary>A store batch that can hold the alert outbox: the alerts each route accepted, written in the batch's transaction.</summary>
/// <remarks>Called on the detection thread, before the batch commits; a route's alerts are then durable exactly when their findings are.</remarks>
internal interface IAlertOutboxBatch
{
    /// <summary>
    /// Queues <paramref name="alerts"/> for <paramref name="route"/> at <paramref name="at"/>, held by <paramref name="claim"/> (the
    /// process that delivers them); an alert queued before on that route is queued again (and once).
    /// </summary>
    void QueueAlerts(string route, DateTimeOffset at, IReadOnlyList<OutboxEntry> alerts, OutboxClaim claim);
}

/// <summary>The read and settle side of the alert outbox, beside the delivery log (an outcome recorded there takes the alert out of the outbox).</summary>
/// <remarks>
/// Each alert in the outbox is held by at most one process at a time: a claim (its <see cref="Owner"/> and an expiry) taken in the
/// store by one atomic statement, renewed while the process lives, released when it stops. An alert whose claim expired (its
/// process died) or that nobody holds is taken by the next <see cref="Claim"/>, by whichever process asks first.
/// Called from the routes' own tasks; an implementation serializes the calls.
/// </remarks>
internal interface IAlertOutbox
{
    /// <summary>This outbox's claimant id: unique per opened log (host, process id and a random part).</summary>
    string Owner { get; }

    /// <summary>How long a claim holds without renewal.</summary>
    TimeSpan Lease { get; }

    /// <summary>Claims up to <paramref name="limit"/> alerts of <paramref name="route"/> that no live process holds, oldest first, with their findings.</summary>
    IReadOnlyList<QueuedAlert> Claim(string route, int limit);

    /// <summary>Extends every claim this outbox holds on <paramref name="route"/> by <see cref="Lease"/> from now; the number extended.</summary>
    int Renew(string route);

    /// <summary>Gives up every claim this outbox holds, so another process takes those alerts at once (a graceful stop).</summary>
    void Release();

    /// <summary>Takes alerts out of the outbox without a delivery outcome (a throttle counted them in its summary).</summary>
    void Settle(string route, IReadOnlyList<string> fingerprints);

    /// <summary>Alerts waiting in the outbox that no live process holds, per route.</summary>
    IReadOnlyDictionary<string, long> QueuedCounts();
}

/// <summary>One alert as the outbox keeps it: the finding's fingerprint and the incident it joined (the finding itself is in the store).</summary>
internal readonly record struct OutboxEntry(string Fingerprint, string? IncidentId, bool IncidentIsNew);

/// <summary>Who holds an outbox entry, and until when unless renewed.</summary>
internal readonly record struct OutboxClaim(string Owner, DateTimeOffset Until);

/// <summary>An alert read back from the outbox, with its number there.</summary>
internal sealed record QueuedAlert(long Seq, DeliveredAlert Alert);
