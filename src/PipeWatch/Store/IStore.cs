using PipeWatch.Alerting.Incidents;
using PipeWatch.Baselines;
using PipeWatch.Findings;

namespace PipeWatch.Store;

/// <summary>Where PipeWatch keeps what it learned and found: baselines, findings (one per fingerprint), the ingest ledger.</summary>
/// <remarks>
/// All writes go through a <see cref="IStoreBatch"/>, one transaction: a crash or Ctrl-C leaves either the whole batch or none of it.
/// One batch at a time per store; queries may run between batches. Owned and disposed by the host.
/// </remarks>
public interface IStore : IDisposable
{
    /// <summary>Opens a transaction for the next batch of events.</summary>
    IStoreBatch BeginBatch();

    /// <summary>Stored findings matching the query, oldest first.</summary>
    IReadOnlyList<Finding> QueryFindings(FindingQuery query);

    /// <summary>Stored incidents matching the query, the most recent (by last finding) first, each with its findings in time order.</summary>
    IReadOnlyList<Incident> QueryIncidents(IncidentQuery query);

    /// <summary>Opens a read side with its own connection, for queries that must not wait on (or share) the batch being written.</summary>
    IStoreReader OpenReader();
}

/// <summary>One transaction of the ingest loop: the ledger, baselines, findings and incidents of a batch of events.</summary>
public interface IStoreBatch : IBaselineStorage, IIncidentStorage, IDisposable
{
    /// <summary>Records an event in the ledger; false when it was ingested before (the event must then be skipped).</summary>
    /// <param name="eventId">The event's stable id.</param>
    /// <param name="occurred">
    /// When the event happened, null when the source gave no time. Part of the ledger key, so it must come from the payload as the id
    /// does; it orders the ledger by time, so that time-ordered input appends to it instead of inserting all over it.
    /// </param>
    bool TryRecordEvent(string eventId, DateTimeOffset? occurred);

    /// <summary>Stores a finding; false when one with its fingerprint exists already.</summary>
    bool TryAddFinding(Finding finding);

    /// <summary>Makes the batch durable. Disposing without committing rolls it back.</summary>
    void Commit();

    /// <summary>
    /// Records a block of events in the ledger at once, in order: <paramref name="isNew"/>[i] is set when
    /// <paramref name="events"/>[i] was not ingested before (an id twice in the block is new once). The engine calls this once per
    /// block read, so a store behind a network (issue 23) makes one round trip where the embedded one loops.
    /// </summary>
    void RecordEvents(ReadOnlySpan<LedgerEntry> events, Span<bool> isNew)
    {
        if (isNew.Length < events.Length) throw new ArgumentException("one flag per event is needed", nameof(isNew));
        for (var i = 0; i < events.Length; i++) isNew[i] = TryRecordEvent(events[i].EventId, events[i].Occurred);
    }

    /// <summary>Stores a block of findings at once, in order: <paramref name="added"/>[i] is set when <paramref name="findings"/>[i] was new.</summary>
    void AddFindings(IReadOnlyList<Finding> findings, Span<bool> added)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (added.Length < findings.Count) throw new ArgumentException("one flag per finding is needed", nameof(findings));
        for (var i = 0; i < findings.Count; i++) added[i] = TryAddFinding(findings[i]);
    }

    /// <summary>Makes the batch durable without blocking the caller on a store that can wait asynchronously; the embedded store commits in place.</summary>
    ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Commit();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One event as the ledger keys it: its stable id and, when the source gave one, when it happened (see <see cref="IStoreBatch.TryRecordEvent"/>).</summary>
public readonly record struct LedgerEntry(string EventId, DateTimeOffset? Occurred);

/// <summary>A filter over stored findings; null members match everything.</summary>
public sealed record FindingQuery(
    DateTimeOffset? Since = null,
    IReadOnlyList<string>? Categories = null,
    Severity? MinimumSeverity = null,
    string? Repository = null,
    int? Limit = null);
