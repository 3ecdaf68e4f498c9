using Microsoft.Extensions.Time.Testing;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Store;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store;

/// <summary>
/// The advisories' change counter (SQLite migration 16, PostgreSQL 7), on both stores: an import that changes an older advisory
/// (count and newest date unchanged) still changes <see cref="IAdvisoryStore.AdvisoryState"/>, so the engine's following index reloads.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class SharedAdvisoriesTests(PostgresServer server)
{
    private const string Lodash = "GHSA-p6mc-m468-83gw";
    private const string LiteDb = "GHSA-3x49-g6rc-c284";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Re_importing_an_older_advisory_with_a_changed_range_makes_the_following_index_reload_and_the_new_match_appear(string kind)
    {
        using var stores = await StorePair.OpenAsync(server);
        var location = kind == "sqlite" ? stores.Folder.File("store.db") : stores.Location;
        using var engineSide = StoreFactory.Open(location);
        var advisories = (IAdvisoryStore)engineSide;
        var lodash = OsvFiles.Fixture(Lodash);
        // lodash's record (2022) is older than LiteDB's (2023): changing it moves neither the count nor the newest date.
        Assert.True(lodash.Modified < OsvFiles.Fixture(LiteDb).Modified);
        using (var importer = StoreFactory.Open(location))
        {
            ((IAdvisoryStore)importer).ImportAdvisories([lodash, OsvFiles.Fixture(LiteDb)], TestContext.Current.CancellationToken);
        }

        var time = new FakeTimeProvider(Ingest.Now);
        using var index = new FollowingAdvisoryIndex(advisories, time, TimeSpan.FromSeconds(10));
        Dependency[] lockfile = [new(Ecosystems.Npm, "lodash", "4.17.20", Direct: true, new DependencySource(SourceKind.Registry))];
        Assert.Empty(VulnerabilityMatcher.Match(lockfile, index));
        var before = advisories.AdvisoryState();

        // Imported again as it was: nothing changed, and the state says so.
        using (var importer = StoreFactory.Open(location))
        {
            Assert.Empty(((IAdvisoryStore)importer).ImportAdvisories([lodash], TestContext.Current.CancellationToken).Changes);
        }

        Assert.Equal(before, advisories.AdvisoryState());

        // The published fix turned out incomplete: the record is re-issued with 4.17.21, and its date unchanged.
        var revised = lodash with
        {
            Affected = [.. lodash.Affected.Select(p => p with { Ranges = [new AffectedRange("ECOSYSTEM", [new RangeEvent(RangeEventKind.Introduced, "0"), new RangeEvent(RangeEventKind.Fixed, "4.17.21")])] })],
        };
        using (var importer = StoreFactory.Open(location))
        {
            var result = ((IAdvisoryStore)importer).ImportAdvisories([revised], TestContext.Current.CancellationToken);
            Assert.Equal([(Lodash, AdvisoryChangeKind.Changed)], result.Changes.Select(c => (c.Id, c.Kind)));
        }

        var after = advisories.AdvisoryState();
        // The count and the newest date are what they were: only the counter tells the change.
        Assert.Equal(Prefix(before), Prefix(after));
        Assert.NotEqual(before, after);

        time.Advance(TimeSpan.FromSeconds(11));
        var match = Assert.Single(VulnerabilityMatcher.Match(lockfile, index));
        Assert.Equal((Lodash, "4.17.21"), (match.Advisory.Id, match.FixedIn));
        Assert.Equal(1, index.Reopened);
    }

    [Fact]
    public async Task The_counter_moves_the_same_on_both_stores_and_only_when_an_import_changes_something()
    {
        using var stores = await StorePair.OpenAsync(server);
        IAdvisoryStore[] both = [stores.Sqlite, stores.Postgres];
        Assert.Equal(["0::0", "0::0"], both.Select(s => s.AdvisoryState()));
        var lodash = OsvFiles.Fixture(Lodash);
        foreach (var store in both)
        {
            store.ImportAdvisories([lodash], TestContext.Current.CancellationToken);
            store.ImportAdvisories([lodash], TestContext.Current.CancellationToken);
            // Withdrawing an id the store never had changes nothing either.
            store.ImportAdvisories([OsvFiles.Fixture(LiteDb) with { Withdrawn = true }], TestContext.Current.CancellationToken);
        }

        Assert.Equal(["1:2022-02-08T22:04:28.0000000Z:1", "1:2022-02-08T22:04:28.0000000Z:1"], both.Select(s => s.AdvisoryState()));
        foreach (var store in both) store.ImportAdvisories([lodash with { Withdrawn = true }], TestContext.Current.CancellationToken);
        Assert.Equal(["0::2", "0::2"], both.Select(s => s.AdvisoryState()));
        // A record without a modified date (OSV requires one; some feeds omit it) is stored with none.
        foreach (var store in both) store.ImportAdvisories([lodash with { Modified = null }], TestContext.Current.CancellationToken);
        Assert.Equal(["1::3", "1::3"], both.Select(s => s.AdvisoryState()));
    }

    private static string Prefix(string state) => state[..state.LastIndexOf(':')];
}
