using PipeWatch.Intel;

namespace PipeWatch.Store.Sqlite;

/// <summary>The indicator index of migration 10 (feeds, and their indicators by feed, kind and value), through <see cref="SharedIntel"/>.</summary>
public sealed partial class SqliteStore : IIntelStore
{
    private SharedIntel Intel => new(this, TimeProvider.System);

    public IntelImportResult ImportIndicators(FeedReading reading, DateTimeOffset now, TimeSpan defaultLifetime, CancellationToken ct) =>
        Intel.ImportIndicators(reading, now, defaultLifetime, ct);

    public IReadOnlyList<IntelFeedSummary> ListIntelFeeds() => Intel.ListIntelFeeds();

    public long RemoveIntelFeed(string feed) => Intel.RemoveIntelFeed(feed);

    public long RemoveUnlisted(string feed, DateTimeOffset importedAt) => Intel.RemoveUnlisted(feed, importedAt);

    public IEnumerable<Indicator> ReadIndicators() => Intel.ReadIndicators();
}
