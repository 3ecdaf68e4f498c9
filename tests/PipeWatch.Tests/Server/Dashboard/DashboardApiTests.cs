using System.Globalization;
using System.Net;
using System.Text.Json;
using PipeWatch.Events;
using PipeWatch.Server;
using PipeWatch.Server.Api;
using PipeWatch.Store;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Dashboard;

/// <summary>What the dashboard reads, without a browser: decoded baselines, events kept in the store, the sign-in and its policy.</summary>
public sealed class DashboardApiTests
{
    private const string StepKey = "pipeline.long-duration|acme/payments-api\u001fCI\u001fbuild\u001fTest";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Baselines_come_back_decoded_the_duration_sample_with_its_firing_line_the_learned_steps_and_hour_profiles()
    {
        await using var server = await RunningServer.StartAsync();
        await DemoReplay.RunAsync(server.Server, DemoReplay.FindSamples(Corpus.RepositoryRoot)!, RunningServer.IngestToken, TextWriter.Null, Ct);
        var findings = (await server.AllFindingsAsync()).ToDictionary(f => f.GetProperty("category").GetString()!);

        // Durations: the step's last runs, oldest first; the finding's run is among them, the median is the sample's, and the firing
        // line is the detector's rule on it (the highest of median + 4 spreads, 1.5× the median, the median + 30 s).
        var duration = await SingleAsync(server, StepKey);
        Assert.Equal("duration-sample", duration.GetProperty("type").GetString());
        Assert.Equal(["acme/payments-api", "CI", "build", "Test"], duration.GetProperty("parts").EnumerateArray().Select(p => p.GetString()));
        var value = duration.GetProperty("value");
        var values = value.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToList();
        var observed = Evidence(findings["pipeline.long-duration"], "observed_seconds");
        Assert.Equal(values.Count, value.GetProperty("count").GetInt32());
        Assert.Single(values, v => Math.Abs(v - observed) < 0.01);
        var sorted = values.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        Assert.Equal(median, value.GetProperty("median").GetDouble(), 6);
        var spread = value.GetProperty("spread").GetDouble();
        Assert.Equal(Math.Max(value.GetProperty("mad").GetDouble() * 1.4826, Math.Max(median * 0.05, 1)), spread, 6);
        Assert.Equal(Math.Max(median + (4 * spread), Math.Max(median * 1.5, median + 30)), value.GetProperty("fires_above").GetDouble(), 6);
        Assert.True(observed > value.GetProperty("fires_above").GetDouble());

        // Step order: the learned sequence is the one the finding compared against.
        var steps = await SingleAsync(server, "pipeline.step-order-changed|acme/payments-api\u001fCI\u001fbuild");
        Assert.Equal(
            Text(findings["pipeline.step-order-changed"], "learned_steps").Split(" → "),
            steps.GetProperty("value").GetProperty("learned").EnumerateArray().Select(s => s.GetString()));

        // Hour-of-week profiles: 168 counts that add up to the total.
        var logins = (await server.GetJsonAsync("/api/baselines?key=" + Uri.EscapeDataString("access.suspicious-login|"))).GetProperty("baselines").EnumerateArray().ToList();
        Assert.NotEmpty(logins);
        Assert.All(logins, b =>
        {
            var hours = b.GetProperty("value").GetProperty("hours").EnumerateArray().Select(h => h.GetInt64()).ToList();
            Assert.Equal(168, hours.Count);
            Assert.Equal(b.GetProperty("value").GetProperty("total").GetInt64(), hours.Sum());
        });

        // Known deployment targets, decoded; every pipeline detector's baseline has a decoder.
        var targets = await SingleAsync(server, "deployment.unapproved-target|acme/payments-api");
        Assert.Equal(
            ["production → k8s://prod-us-east/payments", "prod-mirror → k8s://203.0.113.9/payments"],
            targets.GetProperty("value").GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        var unknown = (await server.GetJsonAsync("/api/baselines?key=" + Uri.EscapeDataString("pipeline."))).GetProperty("baselines").EnumerateArray();
        Assert.All(unknown, b => Assert.NotEqual(JsonValueKind.Null, b.GetProperty("type").ValueKind));
    }

    [Fact]
    public async Task Recent_events_are_kept_in_the_store_across_a_restart_and_bounded_per_repository()
    {
        using var folder = new TempFolder();
        var path = folder.File("pipewatch.db");
        using var store = StoreFactory.Open(path);
        var tables = (ISharedTables)store;
        var start = new DateTimeOffset(2026, 10, 1, 12, 0, 0, TimeSpan.Zero);
        await using (var events = new RecentEvents(tables, perKey: 5, interval: TimeSpan.FromHours(1)))
        {
            events.Add([.. Enumerable.Range(0, 12).Select(i => Job("acme/a", i, start.AddMinutes(i)))]);
            events.Add([.. Enumerable.Range(0, 3).Select(i => Job("acme/b", i, start.AddMinutes(i)))]);
            // Not written yet (the writer runs hourly here), and listed all the same.
            Assert.Equal(0L, SqliteFile.Scalar(path, "SELECT COUNT(*) FROM recent_events"));
            Assert.Equal(["a-11", "a-10", "a-9", "a-8", "a-7"], events.Of("acme/a").Select(e => e.Id));
        }

        Assert.Equal(5L, SqliteFile.Scalar(path, "SELECT COUNT(*) FROM recent_events WHERE repository = 'acme/a'"));
        await using var reopened = new RecentEvents(tables, perKey: 5);
        var kept = reopened.Of("ACME/A");
        Assert.Equal(["a-11", "a-10", "a-9", "a-8", "a-7"], kept.Select(e => e.Id));
        Assert.Equal(["Checkout", "Test"], kept[0].Steps!.Select(s => s.Name));
        Assert.Equal(671.0, kept[0].Steps![1].DurationSeconds);
        Assert.Equal(["b-2", "b-1", "b-0"], reopened.Of("acme/b").Select(e => e.Id));
        var activity = reopened.Repositories();
        Assert.Equal(["acme/a", "acme/b"], activity.Select(a => a.Repository).Order(StringComparer.Ordinal));
        Assert.Equal(start.AddMinutes(11), activity.Single(a => a.Repository == "acme/a").Sources.Single().LastSeen);
    }

    [Fact]
    public async Task Sign_in_sets_an_http_only_strict_cookie_refuses_a_wrong_token_and_another_origin_and_the_page_is_embedded_under_a_strict_policy()
    {
        await using var server = await RunningServer.StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Server.Addresses[0] };

        var root = await client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/login", root.Headers.Location!.OriginalString);
        foreach (var (path, type) in new[] { ("/login", "text/html"), ("/assets/app.js", "text/javascript"), ("/assets/charts.js", "text/javascript"), ("/assets/app.css", "text/css") })
        {
            var response = await client.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(PipeWatch.Server.Dashboard.DashboardEndpoints.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/assets/..%2Fapp.js", Ct)).StatusCode);

        var wrong = await PostLoginAsync(client, "wrong-token");
        Assert.Equal("/login?failed=1", wrong.Headers.Location!.OriginalString);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));

        var elsewhere = await PostLoginAsync(client, RunningServer.ApiToken, origin: "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        Assert.False(elsewhere.Headers.Contains("Set-Cookie"));

        var right = await PostLoginAsync(client, RunningServer.ApiToken, origin: server.Server.Addresses[0].GetLeftPart(UriPartial.Authority));
        Assert.Equal("/", right.Headers.Location!.OriginalString);
        var cookie = Assert.Single(right.Headers.GetValues("Set-Cookie"));
        Assert.Matches("^pipewatch_session=[A-Za-z0-9_-]{43}; path=/; samesite=strict; httponly$", cookie);
        Assert.DoesNotContain(RunningServer.ApiToken, cookie, StringComparison.Ordinal);

        using var session = new HttpRequestMessage(HttpMethod.Get, "/api/session");
        session.Headers.Add("Cookie", cookie.Split(';')[0]);
        var csrf = JsonDocument.Parse(await (await client.SendAsync(session, Ct)).Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("csrf").GetString()!;
        using var change = new HttpRequestMessage(HttpMethod.Post, "/api/suppressions") { Content = new StringContent("{\"category\":\"secrets.hardcoded\",\"reason\":\"test data\"}") };
        change.Headers.Add("Cookie", cookie.Split(';')[0]);
        change.Headers.Add("X-CSRF-Token", csrf);
        var made = await client.SendAsync(change, Ct);
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        // Recorded under the name given at sign-in.
        Assert.Equal("carol", JsonDocument.Parse(await made.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("createdBy").GetString());
    }

    [Fact]
    public void Forge_addresses_come_from_followed_repositories_http_clone_urls_without_credentials_or_dot_git()
    {
        var forges = PipeWatch.Server.Dashboard.DashboardEndpoints.Forges(
        [
            new("acme/api", "https://x-access-token:ghp_notreal@github.com/acme/api.git", null, null),
            new("group/project", "https://gitlab.example:8443/group/project/", null, null),
            new("local", "/srv/git/local.git", null, null),
            new("ssh", "ssh://git@github.com/acme/ssh.git", null, null),
        ]);

        Assert.Equal(
            new Dictionary<string, string> { ["acme/api"] = "https://github.com/acme/api", ["group/project"] = "https://gitlab.example:8443/group/project" },
            forges.ToDictionary(f => f.Key, f => f.Value));
    }

    private static Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string token, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = new FormUrlEncodedContent([new("token", token), new("name", "carol")]) };
        if (origin is not null) request.Headers.Add("Origin", origin);
        return client.SendAsync(request, Ct);
    }

    private static async Task<JsonElement> SingleAsync(RunningServer server, string key) =>
        (await server.GetJsonAsync("/api/baselines?key=" + Uri.EscapeDataString(key))).GetProperty("baselines").EnumerateArray().Single(b => b.GetProperty("key").GetString() == key);

    private static string Text(JsonElement finding, string name) =>
        finding.GetProperty("evidence").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name).GetProperty("value").GetString()!;

    private static double Evidence(JsonElement finding, string name) => double.Parse(Text(finding, name), CultureInfo.InvariantCulture);

    private static Event Job(string repository, int n, DateTimeOffset at) => new()
    {
        Kind = EventKind.PipelineJob,
        Id = $"{repository[^1]}-{n}",
        Timestamp = at,
        Dataset = "github.workflow_job",
        Outcome = Outcome.Success,
        Ci = new CiContext(repository, "CI", (7000 + n).ToString(CultureInfo.InvariantCulture), Job: "build"),
        Duration = TimeSpan.FromSeconds(700),
        Steps = [new StepRecord("Checkout", 1, Outcome.Success, TimeSpan.FromSeconds(29)), new StepRecord("Test", 2, Outcome.Success, TimeSpan.FromSeconds(671))],
        Origin = new Origin("test.jsonl", n + 1),
    };
}
