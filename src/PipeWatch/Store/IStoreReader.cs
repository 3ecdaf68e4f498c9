using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;

namespace PipeWatch.Store;

/// <summary>The read side of a store, for queries while ingest writes: its own connection, cursor paging that stays stable as findings arrive.</summary>
/// <remarks>
/// Opened by <see cref="IStore.OpenReader"/> or <see cref="StoreFactory.OpenReader"/>; owned and disposed by the caller. Not
/// thread-safe: one reader per thread (or per request); opening one is cheap. A reader never waits on the writer's transaction
/// and never sees a finding the writer has not committed. Each page is read from one snapshot; between pages the writer may
/// commit, and a cursor walk still sees no finding twice and skips none (see <see cref="PageFindings"/>).
/// </remarks>
public interface IStoreReader : IDisposable
{
    /// <summary>One page of stored findings matching <paramref name="query"/>, in the order they were stored.</summary>
    /// <param name="query">The filter; its <see cref="FindingQuery.Limit"/> is ignored (<paramref name="limit"/> sizes the page).</param>
    /// <param name="cursor">Null for the first page, else the <see cref="Page{T}.Next"/> of the page before, with the same order.</param>
    /// <param name="limit">The most findings on the page, 1 to <see cref="Page{T}.MaxLimit"/>.</param>
    /// <param name="order">
    /// <see cref="PageOrder.NewestFirst"/> walks back from the findings stored when the first page was read, and ends (a null
    /// <see cref="Page{T}.Next"/>) at the oldest. <see cref="PageOrder.OldestFirst"/> walks forward and never ends: the
    /// <see cref="Page{T}.Next"/> of its last page fetches, later, the findings stored since.
    /// </param>
    /// <exception cref="ArgumentException">The cursor is not one this listing gave, or is for the other order.</exception>
    Page<Finding> PageFindings(FindingQuery query, string? cursor, int limit, PageOrder order = PageOrder.NewestFirst);

    /// <summary>The stored finding with this fingerprint, or null.</summary>
    Finding? FindingByFingerprint(string fingerprint);

    /// <summary>One page of incidents matching <paramref name="query"/>, the most recently active (by last finding) first, each with its findings in time order.</summary>
    /// <remarks>
    /// An incident that a new finding joins during a walk moves to the head of the list: a walk from the head sees it again, one
    /// already past its new place does not. Incidents merged away during a walk are gone from later pages.
    /// </remarks>
    /// <exception cref="ArgumentException">The cursor is not one this listing gave.</exception>
    Page<Incident> PageIncidents(IncidentQuery query, string? cursor, int limit);
}

/// <summary>Which end of the stored findings a page walk starts from.</summary>
public enum PageOrder
{
    /// <summary>The most recently stored first.</summary>
    NewestFirst,

    /// <summary>The first stored first.</summary>
    OldestFirst,
}

/// <summary>One page of a listing and the cursor of the next.</summary>
/// <param name="Items">At most the limit asked for; fewer only on the last page there is now.</param>
/// <param name="Next">The cursor that continues the walk; null when the walk has ended.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next)
{
    /// <summary>The largest page a reader returns.</summary>
    public const int MaxLimit = 10_000;
}
