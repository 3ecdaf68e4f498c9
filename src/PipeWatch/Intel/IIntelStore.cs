namespace PipeWatch.Intel;

/// <summary>Where imported indicators are kept between runs (the store's migration 10), by feed.</summary>
/// <remarks>One import at a time per store; owned by the host.</remarks>
public interface IIntelStore
{
    /// <summary>Adds or updates a feed's indicators by (kind, value): a value imported again is updated, never duplicated, and keeps its first-seen time.</summary>
    /// <param name="reading">The feed as read.</param>
    /// <param name="now">The import time: the feed's import time, and the start of the default lifetime.</param>
    /// <param name="defaultLifetime">How long an indicator whose feed gives no <c>valid_until</c> stays in force after this import.</param>
    /// <param name="ct">Stops between batches; what was committed stays.</param>
    IntelImportResult ImportIndicators(FeedReading reading, DateTimeOffset now, TimeSpan defaultLifetime, CancellationToken ct);

    /// <summary>The feeds in the store with their indicator counts by kind.</summary>
    IReadOnlyList<IntelFeedSummary> ListIntelFeeds();

    /// <summary>Removes a feed and its indicators; returns how many indicators went.</summary>
    long RemoveIntelFeed(string feed);

    /// <summary>Removes the indicators of a feed that its import at <paramref name="importedAt"/> did not list: a full refresh replaces the feed; returns how many went.</summary>
    long RemoveUnlisted(string feed, DateTimeOffset importedAt);

    /// <summary>Every stored indicator, of every feed (in force or not: the index judges).</summary>
    IEnumerable<Indicator> ReadIndicators();
}

/// <summary>What an import did: indicators new to the feed, and ones it already held (updated).</summary>
public sealed record IntelImportResult(int Added, int Updated);

/// <summary>One feed in the store.</summary>
/// <param name="Feed">The name it was imported under.</param>
/// <param name="Format">The format it was last read as.</param>
/// <param name="Source">The file or URL it was last imported from.</param>
/// <param name="ImportedAt">When it was last imported.</param>
/// <param name="Counts">Its indicators by kind.</param>
/// <param name="Expired">How many of them are revoked or past their validity at <c>list</c> time.</param>
public sealed record IntelFeedSummary(string Feed, string Format, string Source, DateTimeOffset ImportedAt, IReadOnlyDictionary<IndicatorKind, long> Counts, long Expired);
