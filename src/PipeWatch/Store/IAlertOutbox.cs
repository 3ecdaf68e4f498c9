namespace PipeWatch.Store;

/// <summary>A store batch that can hold the alert outbox: the alerts each route accepted, written in the batch's transaction.</summary>
/// <remarks>Called on the detection thread, before the batch commits; a route's alerts are then durable exactly when their findings are.</remarks>
internal interface IAlertOutboxBatch
{
    /// <summary>Queues <paramref name="alerts"/> for <paramref name="route"/> at <paramref name="at"/>; an alert queued before on that route is queued again (and once).</summary>
    void QueueAlerts(string route, DateTimeOffset at, IReadOnlyList<OutboxEntry> alerts);
}

/// <summary>The read and settle side of the alert outbox, beside the delivery log (an outcome recorded there takes the alert out of the outbox).</summary>
/// <remarks>Called from the routes' own tasks; an implementation serializes the calls.</remarks>
internal interface IAlertOutbox
{
    /// <summary>The newest outbox entry's number now (0 when it is empty): what a start resumes is up to it, never this run's own alerts.</summary>
    long LastQueued();

    /// <summary>Up to <paramref name="limit"/> alerts of <paramref name="route"/> numbered after <paramref name="after"/> and up to <paramref name="upTo"/>, oldest first, with their findings.</summary>
    IReadOnlyList<QueuedAlert> Queued(string route, long after, long upTo, int limit);

    /// <summary>Takes alerts out of the outbox without a delivery outcome (a throttle counted them in its summary).</summary>
    void Settle(string route, IReadOnlyList<string> fingerprints);

    /// <summary>Alerts waiting in the outbox, per route.</summary>
    IReadOnlyDictionary<string, long> QueuedCounts();
}

/// <summary>One alert as the outbox keeps it: the finding's fingerprint and the incident it joined (the finding itself is in the store).</summary>
internal readonly record struct OutboxEntry(string Fingerprint, string? IncidentId, bool IncidentIsNew);

/// <summary>An alert read back from the outbox, with its number there.</summary>
internal sealed record QueuedAlert(long Seq, DeliveredAlert Alert);
