using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>
/// Alert routes in <c>pipewatch serve</c> as a child process: killed with SIGKILL while its routes deliver, then restarted; and the
/// API's dead letters, retry, dashboard links and the PagerDuty resolve of a closed finding.
/// </summary>
public sealed class AlertDurabilityTests
{
    private const string RoutingKey = "R0UT1NGKEY0000000000000000000000";

    [Fact]
    public async Task Every_alert_accepted_before_a_SIGKILL_mid_delivery_reaches_both_services_after_the_restart_and_pagerduty_keeps_one_incident_each()
    {
        const int Findings = 40;
        using var folder = new TempFolder();
        // Slow services, so that the kill comes while the routes are delivering.
        var triggers = new ConcurrentQueue<string>();
        await using var pager = new LoopbackHttpServer(r =>
        {
            Thread.Sleep(150);
            using var json = r.Json();
            triggers.Enqueue(json.RootElement.GetProperty("dedup_key").GetString()!);
            return new HttpReply(202, """{"status":"success","message":"Event processed"}""");
        });
        var deliveries = new ConcurrentQueue<(string DeliveryId, string Fingerprint)>();
        await using var hook = new LoopbackHttpServer(r =>
        {
            Thread.Sleep(300);
            using var json = r.Json();
            foreach (var alert in json.RootElement.GetProperty("alerts").EnumerateArray())
            {
                deliveries.Enqueue((alert.GetProperty("delivery_id").GetString()!, alert.GetProperty("finding").GetProperty("fingerprint").GetString()!));
            }

            return new HttpReply(200);
        });
        var config = Config(folder, $"""
            alerts:
              routes:
                - name: pager
                  sink: pagerduty
                  url: {pager.Url}/v2/enqueue
                  routing-key: {RoutingKey}
                - name: hook
                  sink: webhook
                  url: {hook.Url}/pipewatch
            """);

        await using (var process = await ServeProcess.StartAsync(folder, "--config", config))
        {
            Assert.Equal(Findings, await PostMembersAsync(process, Findings));
            await pager.WaitForAsync(8, 90);
            process.Kill();
        }

        var left = Outbox(folder);
        Assert.True(left > 0, "every alert was delivered before the kill: nothing was left to resend");
        Assert.True(triggers.Count < Findings, "PagerDuty had every alert before the kill");
        await using (var process = await ServeProcess.StartAsync(folder, "--config", config))
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (triggers.Distinct().Count() < Findings || deliveries.Select(d => d.Fingerprint).Distinct().Count() < Findings)
            {
                Assert.True(DateTime.UtcNow < deadline, $"after the restart: {triggers.Distinct().Count()} of {Findings} PagerDuty alerts, {deliveries.Select(d => d.Fingerprint).Distinct().Count()} webhook alerts");
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            await process.StopAsync();
        }

        var fingerprints = StoredFingerprints(folder);
        Assert.Equal(Findings, fingerprints.Count);
        // PagerDuty keeps one incident per dedup_key: exactly one per finding, however often an event in flight at the kill was sent.
        Assert.Equal(fingerprints, triggers.Distinct().Order(StringComparer.Ordinal));
        // The webhook receiver sees each alert under one delivery id, the same when it is sent again.
        Assert.Equal(fingerprints, deliveries.Select(d => d.Fingerprint).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(Findings, deliveries.Select(d => d.DeliveryId).Distinct().Count());
        Assert.All(deliveries.GroupBy(d => d.DeliveryId), g => Assert.Single(g.Select(d => d.Fingerprint).Distinct()));
        Assert.Equal(0, Outbox(folder));
        Assert.Equal(2L * Findings, Scalar(folder, "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'"));
    }

    [Fact]
    public async Task Serve_links_alerts_to_the_dashboard_replays_dead_letters_through_the_api_and_resolves_a_closed_finding_on_pagerduty()
    {
        using var folder = new TempFolder();
        await using var pager = new LoopbackHttpServer(_ => new HttpReply(202, """{"status":"success","message":"Event processed"}"""));
        var answer = 500;
        await using var hook = new LoopbackHttpServer(_ => new HttpReply(answer, answer == 500 ? "down for maintenance" : ""));
        var config = Config(folder, $"""
            serve:
              public-url: https://pipewatch.example.com/
            alerts:
              routes:
                - name: pager
                  sink: pagerduty
                  url: {pager.Url}/v2/enqueue
                  routing-key: {RoutingKey}
                - name: soc
                  sink: webhook
                  url: {hook.Url}/pipewatch
                  max-attempts: 1
            """);
        await using var process = await ServeProcess.StartAsync(folder, "--config", config);
        using var client = new HttpClient { BaseAddress = process.Address };

        Assert.Equal(1, await PostMembersAsync(process, 1));
        var trigger = (await pager.WaitForAsync(1, 60))[0];
        string fingerprint;
        using (var json = trigger.Json())
        {
            var root = json.RootElement;
            fingerprint = root.GetProperty("dedup_key").GetString()!;
            Assert.Equal("trigger", root.GetProperty("event_action").GetString());
            var link = $"https://pipewatch.example.com/findings/{fingerprint}";
            Assert.Contains(root.GetProperty("links").EnumerateArray(), l => l.GetProperty("href").GetString() == link && l.GetProperty("text").GetString() == "Open in PipeWatch");
            Assert.Equal(link, root.GetProperty("client_url").GetString());
        }

        // The webhook answered 500 once (one attempt allowed): a dead letter, listed by the API.
        await hook.WaitForAsync(1, 60);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/alerts/dead-letters", TestContext.Current.CancellationToken)).StatusCode);
        var letters = await PollAsync(client, "/api/alerts/dead-letters", l => l.GetProperty("count").GetInt32() == 1);
        var letter = Assert.Single(letters.GetProperty("dead_letters").EnumerateArray());
        Assert.Equal(("soc", fingerprint, 1, "HTTP 500: down for maintenance"), (letter.GetProperty("route").GetString(), letter.GetProperty("fingerprint").GetString(), letter.GetProperty("attempts").GetInt32(), letter.GetProperty("error").GetString()));

        answer = 200;
        using (var retry = await SendAsync(client, HttpMethod.Post, "/api/alerts/retry", """{"route":"soc"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            using var json = JsonDocument.Parse(await retry.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal((1, 1, 0), (json.RootElement.GetProperty("retried").GetInt32(), json.RootElement.GetProperty("delivered").GetInt32(), json.RootElement.GetProperty("failed").GetInt32()));
        }

        Assert.Equal(2, hook.Requests.Count);
        using (var json = hook.Requests[1].Json()) Assert.Equal(fingerprint, json.RootElement.GetProperty("alerts")[0].GetProperty("finding").GetProperty("fingerprint").GetString());
        Assert.Equal(0, (await PollAsync(client, "/api/alerts/dead-letters", _ => true)).GetProperty("count").GetInt32());

        // Closing the finding through the API resolves it on PagerDuty, with the trigger's dedup_key.
        using (var close = await SendAsync(client, HttpMethod.Post, $"/api/findings/{fingerprint}/close", """{"reason":"contractor access was approved"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        }

        var resolve = (await pager.WaitForAsync(2, 30))[1];
        Assert.Equal(("POST", "/v2/enqueue"), (resolve.Method, resolve.Path));
        using (var json = resolve.Json())
        {
            Assert.Equal(
                ["dedup_key", "event_action", "routing_key"],
                json.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(("resolve", fingerprint, RoutingKey), (json.RootElement.GetProperty("event_action").GetString(), json.RootElement.GetProperty("dedup_key").GetString(), json.RootElement.GetProperty("routing_key").GetString()));
        }

        await process.StopAsync();
        Assert.Equal(2, pager.Requests.Count);
    }

    private static string Config(TempFolder folder, string yaml)
    {
        var path = folder.File("pipewatch.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static async Task<int> PostMembersAsync(ServeProcess process, int count)
    {
        using var client = new HttpClient { BaseAddress = process.Address };
        var accepted = 0;
        var bodies = ServeDurabilityTests.MemberPayloads(count);
        for (var i = 0; i < bodies.Count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(bodies[i]) };
            request.Headers.Add("X-GitHub-Event", "member");
            request.Headers.Add("X-GitHub-Delivery", $"delivery-{i}");
            request.Headers.Add("X-Hub-Signature-256", RunningServer.Sign(bodies[i]));
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted) accepted++;
        }

        return accepted;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.ApiToken);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<JsonElement> PollAsync(HttpClient client, string path, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await SendAsync(client, HttpMethod.Get, path);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
            var root = JsonDocument.Parse(text).RootElement.Clone();
            if (done(root)) return root;
            Assert.True(DateTime.UtcNow < deadline, $"GET {path} did not reach the expected state: {text}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static long Outbox(TempFolder folder) => Scalar(folder, "SELECT count(*) FROM alert_outbox");

    private static long Scalar(TempFolder folder, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={folder.File("pipewatch.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static List<string> StoredFingerprints(TempFolder folder)
    {
        using var connection = new SqliteConnection($"Data Source={folder.File("pipewatch.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fingerprint FROM findings ORDER BY fingerprint";
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.GetString(0));
        return [.. list.Order(StringComparer.Ordinal)];
    }
}
