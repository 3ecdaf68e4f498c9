using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Routing;

/// <summary>A route's rate policy on the fake clock, delivered to a Slack stand-in: throttle plus summary, digest per window, grouping by incident.</summary>
public sealed class RatePolicyTests
{
    private readonly FakeTimeProvider _time = new(Ingest.Now);

    [Fact]
    public async Task A_thousand_findings_of_one_rule_in_a_minute_reach_a_throttled_slack_route_as_ten_alerts_and_one_summary()
    {
        await using var slack = new LoopbackHttpServer();
        var route = Route($"alerts:\n  routes:\n    - name: chat\n      sink: slack\n      url: {slack.Url}/hook\n      timeout: 5m\n      throttle:\n        max: 10\n        window: 1m\n");

        for (var i = 0; i < 1_000; i++)
        {
            await route.EmitAsync([Alert(i)], TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }

        // The window ends at one minute: its summary goes out then, without waiting for the run's end.
        await AdvanceUntilAsync(() => route.Batching.Delivered == 11);
        await route.CompleteAsync(TestContext.Current.CancellationToken);

        var titles = Titles(slack.Requests);
        Assert.Equal(11, titles.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"title {i}"), titles.Take(10));
        Assert.Equal("990 more alerts held back on route 'chat' (throttle: 10 per 1m)", titles[10]);
        Assert.Contains("990 × pipeline.long-duration", System.Text.RegularExpressions.Regex.Unescape(slack.Requests[^1].Text), StringComparison.Ordinal);
        Assert.InRange(slack.Requests.Count, 2, 11);
    }

    [Fact]
    public async Task A_digest_route_sends_one_message_per_window_listing_what_came()
    {
        await using var slack = new LoopbackHttpServer();
        var route = Route($"alerts:\n  routes:\n    - name: digest\n      sink: slack\n      url: {slack.Url}/hook\n      timeout: 5m\n      digest: 10m\n");

        for (var i = 0; i < 50; i++)
        {
            await route.EmitAsync([Alert(i)], TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromSeconds(6));
        }

        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Empty(slack.Requests);
        await AdvanceUntilAsync(() => route.Batching.Delivered == 50);
        for (var i = 50; i < 55; i++) await route.EmitAsync([Alert(i)], TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(() => route.Batching.Delivered == 55);
        await route.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, slack.Requests.Count);
        Assert.Equal(["PipeWatch: 50 alerts (highest HIGH)", "PipeWatch: 5 alerts (highest HIGH)"], slack.Requests.Select(r => r.Json().RootElement.GetProperty("text").GetString()));
        Assert.Equal(1 + 40 + 1, slack.Requests[0].Json().RootElement.GetProperty("blocks").GetArrayLength());
    }

    [Fact]
    public async Task Grouped_by_incident_later_findings_of_an_open_incident_go_out_together_as_one_update()
    {
        await using var slack = new LoopbackHttpServer();
        var route = Route($"alerts:\n  routes:\n    - name: chat\n      sink: slack\n      url: {slack.Url}/hook\n      timeout: 5m\n      group: incident\n      group-window: 5m\n");

        await route.EmitAsync([Alert(0) with { Incident = new AlertIncident("inc-1", true) }], TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(() => route.Batching.Delivered == 1);
        for (var i = 1; i <= 3; i++) await route.EmitAsync([Alert(i) with { Incident = new AlertIncident("inc-1", false) }], TestContext.Current.CancellationToken);
        await route.EmitAsync([Alert(9) with { Incident = new AlertIncident("inc-2", false) }], TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(() => route.Batching.Delivered == 2);
        Assert.Equal("Update to incident inc-2: HIGH: title 9", slack.Requests[1].Json().RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString());
        _time.Advance(TimeSpan.FromMinutes(4));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(2, slack.Requests.Count);
        await AdvanceUntilAsync(() => route.Batching.Delivered == 5);
        await route.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal("3 more findings joined incident inc-1", slack.Requests[2].Json().RootElement.GetProperty("text").GetString());
        Assert.Equal(3, slack.Requests.Count);
    }

    // Each route here has a long attempt timeout: the fake clock runs ahead of a real HTTP exchange in flight.
    private RouteSink Route(string yaml) => Assert.Single(RouteHarness.Router(yaml, _time).Routes);

    private static Alert Alert(int i) => new(FindingJsonTests.Full with { Fingerprint = $"f{i}", Title = $"title {i}" });

    // The finding titles each Slack message carries: the header of a single alert, each section of a digest.
    private static List<string> Titles(IEnumerable<RecordedRequest> requests)
    {
        var titles = new List<string>();
        foreach (var request in requests)
        {
            var blocks = request.Json().RootElement.GetProperty("blocks").EnumerateArray().ToList();
            var header = blocks[0].GetProperty("text").GetProperty("text").GetString()!;
            if (!header.StartsWith("PipeWatch: ", StringComparison.Ordinal))
            {
                titles.Add(header[(header.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
                continue;
            }

            titles.AddRange(blocks.Skip(1).Where(b => b.GetProperty("type").GetString() == "section")
                .Select(b => b.GetProperty("text").GetProperty("text").GetString()!.Split('\n')[0]["*HIGH* ".Length..]));
        }

        return titles;
    }

    // The route's timers run on the fake clock: move it on in steps until the condition holds (bounded in real time).
    private async Task AdvanceUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    internal static JsonElement Root(RecordedRequest request) => request.Json().RootElement;
}
