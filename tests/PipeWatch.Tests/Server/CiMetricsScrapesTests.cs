using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>
/// <c>serve.ci-metrics</c>: a running server scrapes a Jenkins stand-in's <c>/prometheus/</c> at start and every interval (on a fake
/// clock), each scrape a CI-server metrics event through the intake, so a queue spike is stored as one
/// <c>performance.resource-spike</c>; failures are reported naming the server, never the token, and the next round scrapes again.
/// </summary>
public sealed partial class CiMetricsScrapesTests
{
    private const string Token = "jenkins-metrics-token-7f3a9c";
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Ten_ordinary_scrapes_a_minute_apart_raise_nothing_and_each_carries_the_bearer_token()
    {
        await using var jenkins = new LoopbackHttpServer();
        jenkins.Respond = _ => Reply(JenkinsExposition.Ordinary(jenkins.Requests.Count));
        var time = new FakeTimeProvider(Start);
        var output = new StringWriter();
        await using var server = await RunningServer.StartAsync(Yaml(jenkins), Env(), output: TextWriter.Synchronized(output), time: time);

        await ScrapeAsync(server, time, 10);

        Assert.Empty(server.Server.RecentFindings(10));
        Assert.Empty(server.Problems.Problems);
        Assert.Equal(10, await CounterAsync(server, "pipewatch_events_total"));
        Assert.All(jenkins.Requests, r =>
        {
            Assert.Equal(("GET", "/prometheus/"), (r.Method, r.Path));
            Assert.Equal($"Bearer {Token}", r.Headers["Authorization"]);
            Assert.StartsWith("text/plain; version=0.0.4", r.Headers["Accept"], StringComparison.Ordinal);
        });
        Assert.Equal([$"pipewatch serve: scraping ci-metrics:jenkins-main ({jenkins.Url}/prometheus/) every 1m"], Said(output).Split('\n').Where(l => l.Contains("ci-metrics", StringComparison.Ordinal)));
        Assert.DoesNotContain(Token, Said(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_queue_of_40_after_ten_ordinary_scrapes_is_one_resource_spike_naming_the_server_and_its_baseline_until_the_queue_is_ordinary_again()
    {
        await using var jenkins = new LoopbackHttpServer();
        // Scrapes 11 to 13 are a queue that stays long (one spike), 14 is ordinary again, 15 is a second spike.
        jenkins.Respond = _ => Reply(jenkins.Requests.Count switch
        {
            11 or 15 => JenkinsExposition.Text(queue: 40, busy: 4, count: 131, sumMs: 131 * 120_000),
            12 => JenkinsExposition.Text(queue: 43, busy: 4, count: 131, sumMs: 131 * 120_000),
            13 => JenkinsExposition.Text(queue: 38, busy: 5, count: 132, sumMs: 132 * 120_000),
            var n => JenkinsExposition.Ordinary(n),
        });
        var time = new FakeTimeProvider(Start);
        await using var server = await RunningServer.StartAsync(Yaml(jenkins), Env(), time: time);

        await ScrapeAsync(server, time, 10);
        Assert.Empty(server.Server.RecentFindings(10));
        await ScrapeAsync(server, time, 11);

        var finding = Assert.Single(server.Server.RecentFindings(10));
        Assert.Equal(("performance.resource-spike", Categories.ResourceSpike, Severity.High), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal("CI server 'jenkins-main' (jenkins metrics): 40 queued builds, 26.7× its usual queue length", finding.Title);
        Assert.Equal(
            "CI server 'jenkins-main' (jenkins metrics) reported 40 queued builds (queue length); its baseline is a median of 1.5 queued builds with a spread (1.4826×MAD) "
            + "of 0.7 queued builds over 10 scrapes: 26.7× the median, 51.9 spreads above it (threshold 4, minimum 1.5× and +5 queued builds).",
            finding.Explanation);
        Assert.Equal(("jenkins-main", "ci-metrics:jenkins-main"), (finding.Entity.Repository, finding.Location.File));
        Assert.Equal(Start.AddMinutes(10), finding.Timestamp);

        // The queue stays long for two more scrapes: the same finding, stored once; back to normal, then a new spike: a second one.
        await ScrapeAsync(server, time, 13);
        Assert.Equal([finding.Fingerprint], server.Server.RecentFindings(10).Select(f => f.Fingerprint));
        await ScrapeAsync(server, time, 15);
        var findings = server.Server.RecentFindings(10);
        Assert.Equal(2, findings.Count);
        Assert.Equal(Start.AddMinutes(14), findings.Single(f => f.Fingerprint != finding.Fingerprint).Timestamp);
        Assert.Empty(server.Problems.Problems);
    }

    [Fact]
    public async Task A_failing_endpoint_is_reported_naming_the_server_not_the_token_and_the_next_round_scrapes_again()
    {
        await using var jenkins = new LoopbackHttpServer();
        jenkins.Respond = _ => jenkins.Requests.Count switch
        {
            2 => new HttpReply(503, "Jenkins is getting ready to work", ContentType: "text/html"),
            3 => new HttpReply(401, $"<html>bad token {Token}</html>", ContentType: "text/html"),
            4 => null, // never answers: the timeout ends it
            5 => new HttpReply(302, string.Empty, new Dictionary<string, string> { ["Location"] = "/login?from=%2Fprometheus%2F" }),
            6 => Reply(new string('#', 5000)),
            7 => Reply("# TYPE jenkins_queue_size_value gauge\njenkins_queue_size_value 2\nthis is not a sample\njenkins_executor_in_use_value 3\n"),
            8 => Reply("# TYPE node_load1 gauge\nnode_load1 0.5\n"),
            9 => new HttpReply(200, "<html><body>Authentication required</body></html>", ContentType: "text/html;charset=utf-8"),
            var n => Reply(JenkinsExposition.Ordinary(n)),
        };
        var time = new FakeTimeProvider(Start);
        var output = new StringWriter();
        var yaml = Yaml(jenkins, "      timeout: 1s\n").Replace("serve:\n", "serve:\n  max-body-bytes: 4096\n", StringComparison.Ordinal);
        await using var server = await RunningServer.StartAsync(yaml, Env(), output: TextWriter.Synchronized(output), time: time);

        await ScrapeAsync(server, time, 10);

        var url = $"{jenkins.Url}/prometheus/";
        Assert.Equal(
            [
                $"ci-metrics:jenkins-main: {url} answered 503 (Service Unavailable); scraping again in 1m",
                $"ci-metrics:jenkins-main: {url} answered 401 (Unauthorized); scraping again in 1m",
                $"ci-metrics:jenkins-main: {url} did not answer within 1s; scraping again in 1m",
                $"ci-metrics:jenkins-main: {url} answered 302 (Found) to {jenkins.Url}/login (redirects are not followed: give that URL); scraping again in 1m",
                $"ci-metrics:jenkins-main: {url}: the answer is larger than 4096 bytes (serve.max-body-bytes); not read; scraping again in 1m",
                "ci-metrics:jenkins-main: prometheus: line 3: 'is' is not a sample value",
                "ci-metrics:jenkins-main: " + "prometheus: no CI server metrics (Jenkins' jenkins_queue_size_value, jenkins_executor_in_use_value…, GitLab Runner's gitlab_runner_jobs…); nothing read",
                $"ci-metrics:jenkins-main: {url} answered a web page, not the Prometheus text format (a login page? check user and token); scraping again in 1m",
            ],
            server.Problems.Problems.Select(p => p.ToString()));
        Assert.Equal(["/prometheus/"], jenkins.Requests.Select(r => r.Path).Distinct());

        // Scrapes 1, 7 (its good lines) and 10 are events; the rest failed or held no CI metrics.
        Assert.Equal(3, await CounterAsync(server, "pipewatch_events_total"));
        Assert.Equal(4, await CounterAsync(server, "pipewatch_ci_metrics_scrapes_total", "result=\"ok\""));
        Assert.Equal(6, await CounterAsync(server, "pipewatch_ci_metrics_scrapes_total", "result=\"failed\""));
        Assert.Equal(
            [
                $"pipewatch serve: scraping ci-metrics:jenkins-main ({url}) every 1m",
                $"pipewatch serve: scraping ci-metrics:jenkins-main ({url}) every 1m (again, after 5 failed scrapes)",
                $"pipewatch serve: scraping ci-metrics:jenkins-main ({url}) every 1m (again, after 1 failed scrape)",
            ],
            Said(output).Split('\n').Where(l => l.StartsWith("pipewatch serve: scraping ci-metrics:", StringComparison.Ordinal)));
        Assert.DoesNotContain(Token, Said(output) + string.Join('\n', server.Problems.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_user_the_token_is_basic_authentication_and_an_unset_variable_is_reported_once_without_a_request()
    {
        await using var jenkins = new LoopbackHttpServer();
        jenkins.Respond = _ => Reply(JenkinsExposition.Ordinary(jenkins.Requests.Count));
        await using var runner = new LoopbackHttpServer(_ => new HttpReply(500));
        var yaml = $"serve:\n  ci-metrics:\n    - url: {jenkins.Url}/prometheus/\n      user: pipewatch\n      token: ${{env:JENKINS_METRICS_TOKEN}}\n"
            + $"    - url: {runner.Url}/metrics\n      token: ${{env:RUNNER_METRICS_TOKEN}}\n";
        var time = new FakeTimeProvider(Start);
        await using var server = await RunningServer.StartAsync(yaml, Env(), time: time);

        await ScrapeAsync(server, time, 3, scrapes: 2);

        Assert.Equal(3, jenkins.Requests.Count);
        Assert.All(jenkins.Requests, r => Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"pipewatch:{Token}")), r.Headers["Authorization"]));
        Assert.Empty(runner.Requests);
        // Reported once, counted each round.
        var problem = Assert.Single(server.Problems.Problems);
        Assert.Equal($"ci-metrics:127.0.0.1:{runner.Port}: token: the environment variable RUNNER_METRICS_TOKEN is not set; not scraped; scraping again in 1m", problem.ToString());
        Assert.Equal(3, await CounterAsync(server, "pipewatch_ci_metrics_scrapes_total", $"server=\"127.0.0.1:{runner.Port}\",result=\"failed\""));
        Assert.Equal(3, await CounterAsync(server, "pipewatch_events_total"));
    }

    [Fact]
    public async Task The_pipewatch_serve_process_sends_a_queue_spike_through_its_alert_route_once_and_never_prints_the_token()
    {
        await using var jenkins = new LoopbackHttpServer();
        jenkins.Respond = _ => Reply(jenkins.Requests.Count == 11 ? JenkinsExposition.Text(queue: 40, busy: 4, count: 131, sumMs: 131 * 120_000) : JenkinsExposition.Ordinary(jenkins.Requests.Count));
        await using var hook = new LoopbackHttpServer(_ => new HttpReply(200));
        using var folder = new TempFolder();
        var config = folder.File("pipewatch.yml");
        File.WriteAllText(config, Yaml(jenkins).Replace("interval: 1m", "interval: 1s", StringComparison.Ordinal)
            + $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {hook.Url}/pipewatch\n");

        await using (var process = await ServeProcess.StartOnAsync(folder, folder.File("pipewatch.db"), Env(), "--config", config))
        {
            await hook.WaitForAsync(1, 60);
            // Three ordinary scrapes more: no second alert.
            await jenkins.WaitForAsync(14, 60);
            await process.WaitForBacklogAsync(0);
            await process.StopAsync();
            Assert.Contains($"pipewatch serve: scraping ci-metrics:jenkins-main ({jenkins.Url}/prometheus/) every 1s", process.Said, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, process.Said + await process.Errors, StringComparison.Ordinal);
        }

        var sent = Assert.Single(hook.Requests);
        using var json = sent.Json();
        var finding = Assert.Single(json.RootElement.GetProperty("alerts").EnumerateArray()).GetProperty("finding");
        Assert.Equal(
            ("performance.resource-spike", "CI server 'jenkins-main' (jenkins metrics): 40 queued builds, 26.7× its usual queue length"),
            (finding.GetProperty("rule").GetString(), finding.GetProperty("title").GetString()));
    }

    private static string Yaml(LoopbackHttpServer jenkins, string more = "") =>
        $"serve:\n  ci-metrics:\n    - url: {jenkins.Url}/prometheus/\n      name: jenkins-main\n      token: ${{env:JENKINS_METRICS_TOKEN}}\n      interval: 1m\n{more}";

    private static Dictionary<string, string> Env() => new() { ["JENKINS_METRICS_TOKEN"] = Token };

    private static HttpReply Reply(string text) => new(200, text, ContentType: "text/plain; version=0.0.4; charset=utf-8");

    // Waits (bounded) until the round-th scrape of every endpoint is done and its events committed, advancing the fake clock a
    // minute per round: the first round runs at start.
    private static async Task ScrapeAsync(RunningServer server, FakeTimeProvider time, int rounds, int scrapes = 1)
    {
        var done = await CounterAsync(server, "pipewatch_ci_metrics_scrapes_total");
        var round = (int)(done / scrapes);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (round < rounds)
        {
            if (round > 0 && done == round * scrapes) time.Advance(TimeSpan.FromMinutes(1));
            while ((done = await CounterAsync(server, "pipewatch_ci_metrics_scrapes_total")) < (round + 1) * scrapes)
            {
                Assert.True(DateTime.UtcNow < deadline, $"scrape {round + 1} not done ({done} so far)");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            round++;
        }

        await server.DrainedAsync();
    }

    // The sum of a counter's series on serve's own /metrics (those whose labels contain the filter).
    private static async Task<double> CounterAsync(RunningServer server, string name, string filter = "")
    {
        var text = await server.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        return text.Split('\n')
            .Select(l => SampleLine().Match(l))
            .Where(m => m.Success && m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(filter, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    private static string Said(StringWriter output)
    {
        lock (output) return output.ToString();
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(?:\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();
}
