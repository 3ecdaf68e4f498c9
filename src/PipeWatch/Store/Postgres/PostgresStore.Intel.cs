using PipeWatch.Intel;

namespace PipeWatch.Store.Postgres;

/// <summary>The indicator index on PostgreSQL (migration 4), through the SQL both stores speak (<see cref="SharedIntel"/>).</summary>
internal sealed partial class PostgresStore : IIntelStore
{
    private SharedIntel Intel => new(this, TimeProvider.System);

    public IntelImportResult ImportIndicators(FeedReading reading, DateTimeOffset now, TimeSpan defaultLifetime, CancellationToken ct) =>
        Guard("cannot import indicators", () => Intel.ImportIndicators(reading, now, defaultLifetime, ct));

    public IReadOnlyList<IntelFeedSummary> ListIntelFeeds() => Guard("cannot list intel feeds", () => Intel.ListIntelFeeds());

    public long RemoveIntelFeed(string feed) => Guard("cannot remove an intel feed", () => Intel.RemoveIntelFeed(feed));

    public long RemoveUnlisted(string feed, DateTimeOffset importedAt) => Guard("cannot remove unlisted indicators", () => Intel.RemoveUnlisted(feed, importedAt));

    // Read whole, so that a failure is a StoreException here rather than partway through the caller's loop.
    public IEnumerable<Indicator> ReadIndicators() => Guard("cannot read indicators", () => Intel.ReadIndicators().ToList());
}
