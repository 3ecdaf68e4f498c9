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
}

/// <summary>A filter over stored findings; null members match everything.</summary>
public sealed record FindingQuery(
    DateTimeOffset? Since = null,
    IReadOnlyList<string>? Categories = null,
    Severity? MinimumSeverity = null,
    string? Repository = null,
    int? Limit = null);
