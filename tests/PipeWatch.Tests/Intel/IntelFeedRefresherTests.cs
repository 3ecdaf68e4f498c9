using Microsoft.Extensions.Time.Testing;
using PipeWatch.Diagnostics;
using PipeWatch.Intel;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Intel;

public sealed class IntelFeedRefresherTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Store => _temp.File("store.db");

    private static string Indicator(string id, string domain, bool revoked = false) =>
        $$"""{"type":"indicator","spec_version":"2.1","id":"indicator--{{id}}","created":"2026-01-01T00:00:00Z","modified":"2026-02-01T00:00:00Z","pattern_type":"stix","pattern":"[domain-name:value = '{{domain}}']","valid_from":"2026-01-01T00:00:00Z","revoked":{{(revoked ? "true" : "false")}}}""";

    [Fact]
    public async Task A_taxii_feed_changing_between_two_refreshes_is_swapped_in_whole_and_asked_only_for_what_was_added()
    {
        // The collection as a TAXII 2.1 server shows it: first one C2 domain; by the second refresh that one revoked and another added.
        var version = 1;
        await using var server = new LoopbackHttpServer(request => new HttpReply(
            200,
            version == 1
                ? $$"""{"more":false,"objects":[{{Indicator("a", "c2-one.example")}}]}"""
                : $$"""{"more":false,"objects":[{{Indicator("a", "c2-one.example", revoked: true)}},{{Indicator("b", "c2-two.example")}}]}""",
            new Dictionary<string, string> { ["X-TAXII-Date-Added-Last"] = version == 1 ? "2026-11-27T11:00:00.000Z" : "2026-11-27T13:00:00.000Z" },
            "application/taxii+json;version=2.1"));
        var time = new FakeTimeProvider(Ingest.Now);
        var feeds = new IntelOptions
        {
            Feeds = [new IntelFeedSource($"{server.Url}/api/collections/91a7b528/objects/", "team-taxii", null, TimeSpan.FromHours(1), TimeSpan.FromDays(90), "Authorization: Bearer ${env:TAXII_TOKEN}")],
        };
        var live = ExfilServices.With([], time.GetUtcNow());
        var problems = new ProblemLog();
        using var refresher = new IntelFeedRefresher(feeds, () => SqliteStore.Open(Store), live, time, name => name == "TAXII_TOKEN" ? "t0ken" : null, problems);

        Assert.Equal(1, await refresher.RefreshAsync(TestContext.Current.CancellationToken));
        Assert.Equal("team-taxii", live.Current.Domain("x.c2-one.example")?.Feed);
        Assert.Null(live.Current.Domain("c2-two.example"));
        Assert.Equal(0, await refresher.RefreshAsync(TestContext.Current.CancellationToken));

        // A reader looks up both domains all through the second refresh: each lookup sees the whole old index or the whole new one.
        using var stop = new CancellationTokenSource();
        var seen = new HashSet<(bool One, bool Two)>();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var index = live.Current;
                var state = (index.Domain("x.c2-one.example") is not null, index.Domain("c2-two.example") is not null);
                lock (seen) seen.Add(state);
            }
        }, TestContext.Current.CancellationToken);
        version = 2;
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await refresher.RefreshAsync(TestContext.Current.CancellationToken));
        await stop.CancelAsync();
        await reader;

        Assert.Null(live.Current.Domain("x.c2-one.example"));
        Assert.Equal("team-taxii", live.Current.Domain("c2-two.example")?.Feed);
        Assert.Empty(problems.Problems);
        Assert.Subset(new HashSet<(bool, bool)> { (true, false), (false, true) }, seen);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal("Bearer t0ken", r.Headers["Authorization"]));
        Assert.Equal("/api/collections/91a7b528/objects/", requests[0].Path);
        Assert.Equal("/api/collections/91a7b528/objects/?added_after=2026-11-27T11%3A00%3A00.000Z", requests[1].Path);
    }

    [Fact]
    public async Task A_plain_feed_refreshed_whole_replaces_its_values_and_a_missing_variable_skips_the_feed()
    {
        var body = "# team blocklist\nold-drop.example\n203.0.113.9\n";
        await using var server = new LoopbackHttpServer(_ => new HttpReply(200, body, ContentType: "text/plain"));
        var time = new FakeTimeProvider(Ingest.Now);
        var feeds = new IntelOptions
        {
            Feeds =
            [
                new IntelFeedSource($"{server.Url}/blocklist.txt", "team-list", null, TimeSpan.FromMinutes(30), TimeSpan.FromDays(90), null),
                new IntelFeedSource($"{server.Url}/private.txt", "private", null, TimeSpan.FromMinutes(30), TimeSpan.FromDays(90), "X-Api-Key: ${env:NOT_SET_ANYWHERE}"),
            ],
        };
        var live = ExfilServices.With([], time.GetUtcNow());
        var problems = new ProblemLog();
        using var refresher = new IntelFeedRefresher(feeds, () => SqliteStore.Open(Store), live, time, _ => null, problems);

        await refresher.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(live.Current.Domain("old-drop.example"));
        body = "# team blocklist\nnew-drop.example\n203.0.113.9\n";
        time.Advance(TimeSpan.FromMinutes(30));
        await refresher.RefreshAsync(TestContext.Current.CancellationToken);

        Assert.Null(live.Current.Domain("old-drop.example"));
        Assert.NotNull(live.Current.Domain("new-drop.example"));
        Assert.NotNull(live.Current.Find(IndicatorKind.Ip, "203.0.113.9"));
        using (var store = SqliteStore.Open(Store)) Assert.Equal(["203.0.113.9", "new-drop.example"], store.ReadIndicators().Select(i => i.Value).Order(StringComparer.Ordinal));
        Assert.All(server.Requests, r => Assert.Equal("/blocklist.txt", r.Path));
        Assert.Equal(
            ["feed 'private': auth-header names the environment variable NOT_SET_ANYWHERE, which is not set; not refreshed"],
            problems.Problems.Select(p => p.Reason).Distinct());
    }
}
