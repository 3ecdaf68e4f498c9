using Microsoft.Extensions.Time.Testing;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Advisories;

/// <summary>The index <c>serve</c>'s engine matches with: an advisory imported into its store by another connection is seen after the check interval, without a restart.</summary>
public sealed class FollowingAdvisoryIndexTests
{
    [Fact]
    public void An_advisory_imported_by_another_connection_is_seen_once_the_interval_has_passed()
    {
        using var temp = new TempFolder();
        var time = new FakeTimeProvider(Ingest.Now);
        using var engineSide = SqliteStore.Open(temp.File("pipewatch.db"));
        using var index = new FollowingAdvisoryIndex(engineSide, time, TimeSpan.FromSeconds(10));
        Assert.Empty(index.For("npm", "lodash"));

        // 'vulndb import' into the same store, through a connection of its own.
        using (var importer = SqliteStore.Open(temp.File("pipewatch.db")))
        {
            importer.ImportAdvisories([OsvFiles.Fixture("GHSA-p6mc-m468-83gw")], CancellationToken.None);
        }

        // Within the interval the index answers from what it had read.
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(index.For("npm", "lodash"));
        Assert.Equal(0, index.Reopened);

        time.Advance(TimeSpan.FromSeconds(2));
        var found = Assert.Single(index.For("npm", "lodash"));
        Assert.Equal("GHSA-p6mc-m468-83gw", found.AdvisoryId);
        Assert.Equal("GHSA-p6mc-m468-83gw", index.Advisory("GHSA-p6mc-m468-83gw")?.Id);
        Assert.Equal(1, index.Reopened);

        // Nothing changed since: the next check keeps the index it has.
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Single(index.For("npm", "lodash"));
        Assert.Equal(1, index.Reopened);
    }
}
