using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Queue;

/// <summary>
/// The scale-out path end to end with real processes: a real nats-server with JetStream, <c>pipewatch serve --queue</c> and
/// <c>pipewatch worker</c>s sharing one store, fed signed GitHub webhooks.
/// </summary>
public sealed class QueueIntegrationTests
{
    internal static readonly string[] CorpusFindings =
        ["member/added.payload.json", "repository/publicized.payload.json", "branch_protection_rule/deleted.payload.json", "deploy_key/created.payload.json"];

    [Fact]
    public async Task Webhooks_through_serve_queue_and_two_workers_give_the_same_findings_as_serve_on_SQLite()
    {
        var payloads = Payloads(repositories: 12, membersEach: 4);
        using var plain = new TempFolder();
        await using (var serve = await ServeProcess.StartAsync(plain))
        {
            Assert.Equal(payloads.Count, await PostAllAsync(serve.Address, payloads));
            await serve.WaitForBacklogAsync(0);
            await serve.StopAsync();
        }

        var expected = Fingerprints(plain.File("pipewatch.db"));
        Assert.Equal(12 * 4 + CorpusFindings.Length, expected.Count);

        using var nats = new NatsServer();
        using var scaled = new TempFolder();
        var config = Config(scaled, ackWait: "3s");
        var store = scaled.File("pipewatch.db");
        await using var first = await WorkerProcess.StartAsync(scaled, nats.Url, store, "first", config);
        await using var second = await WorkerProcess.StartAsync(scaled, nats.Url, store, "second", config);
        await using var serveQueue = await ServeProcess.StartAsync(scaled, "--queue", nats.Url, "--config", config);
        // Both workers hold partitions before the load comes: a fair share each.
        await WaitAsync(async () => (await first.PartitionsAsync()).Length == 8 && (await second.PartitionsAsync()).Length == 8, "the partitions shared 8 and 8");

        Assert.Equal(payloads.Count, await PostAllAsync(serveQueue.Address, payloads));
        await WaitAsync(() => Task.FromResult(Counts(store).Events == payloads.Count), $"{payloads.Count} events committed");
        // Every message acknowledged (a message redelivered while its first delivery was being committed is acknowledged twice).
        await WaitAsync(async () => await first.MetricAsync("pipewatch_queue_processed_total") + await second.MetricAsync("pipewatch_queue_processed_total") >= payloads.Count
            && await first.MetricAsync("pipewatch_queue_in_flight") + await second.MetricAsync("pipewatch_queue_in_flight") == 0, "every message acknowledged");

        Assert.Equal(expected, Fingerprints(store));
        Assert.True(await first.MetricAsync("pipewatch_queue_processed_total") > 0, "the first worker processed nothing");
        Assert.True(await second.MetricAsync("pipewatch_queue_processed_total") > 0, "the second worker processed nothing");
        await first.StopAsync();
        await second.StopAsync();
        await serveQueue.StopAsync();
    }

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_mid_stream_loses_and_duplicates_nothing()
    {
        var payloads = Payloads(repositories: 40, membersEach: 6);
        using var nats = new NatsServer();
        using var folder = new TempFolder();
        var config = Config(folder, ackWait: "2s");
        var store = folder.File("pipewatch.db");
        // Each worker also alerts to a JSON Lines file of its own: a finding committed twice would be alerted twice.
        await using var doomed = await WorkerProcess.StartAsync(folder, nats.Url, store, "doomed", Config(folder, ackWait: "2s", alerts: "doomed"));
        await using var survivor = await WorkerProcess.StartAsync(folder, nats.Url, store, "survivor", Config(folder, ackWait: "2s", alerts: "survivor"));
        await using var serve = await ServeProcess.StartAsync(folder, "--queue", nats.Url, "--config", config);
        await WaitAsync(async () => (await doomed.PartitionsAsync()).Length == 8 && (await survivor.PartitionsAsync()).Length == 8, "the partitions shared 8 and 8");

        // The load goes on while the doomed worker dies: it is killed once it has processed some of it, not all.
        var posting = PostAllAsync(serve.Address, payloads, parallel: 4);
        await WaitAsync(async () => await doomed.MetricAsync("pipewatch_queue_processed_total") >= 10, "the doomed worker processed some");
        doomed.Kill();
        Assert.Equal(payloads.Count, await posting);

        // The survivor takes the dead worker's partitions once its leases expire, and its unacknowledged messages after AckWait.
        await WaitAsync(async () => (await survivor.PartitionsAsync()).Length == 16, "the survivor took every partition");
        await WaitAsync(() => Task.FromResult(Counts(store).Events == payloads.Count), $"{payloads.Count} events committed");
        await WaitAsync(async () => await survivor.MetricAsync("pipewatch_queue_pending") == 0 && await survivor.MetricAsync("pipewatch_queue_in_flight") == 0, "nothing left in the stream");
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);

        Assert.Equal((payloads.Count, payloads.Count), Counts(store));
        await survivor.StopAsync();
        await serve.StopAsync();
        var alerted = new[] { "doomed", "survivor" }.Where(n => File.Exists(folder.File($"alerts-{n}.jsonl")))
            .SelectMany(n => File.ReadAllLines(folder.File($"alerts-{n}.jsonl")))
            .Where(l => l.Length > 0)
            .Select(l => JsonNode.Parse(l)!["finding_info"]!["uid"]!.GetValue<string>())
            .ToList();
        Assert.True(alerted.Count > payloads.Count / 2, $"only {alerted.Count} alerts were written");
        Assert.Equal(alerted.Count, alerted.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Restarting_nats_server_during_the_run_loses_nothing()
    {
        var payloads = Payloads(repositories: 20, membersEach: 5);
        using var nats = new NatsServer();
        using var folder = new TempFolder();
        var config = Config(folder, ackWait: "3s");
        var store = folder.File("pipewatch.db");
        await using var first = await WorkerProcess.StartAsync(folder, nats.Url, store, "first", config);
        await using var second = await WorkerProcess.StartAsync(folder, nats.Url, store, "second", config);
        await using var serve = await ServeProcess.StartAsync(folder, "--queue", nats.Url, "--config", config);

        var half = payloads.Count / 2;
        Assert.Equal(half, await PostAllAsync(serve.Address, payloads[..half]));
        nats.Stop();
        // While it is down, nothing is acknowledged: the hook answers 503 with Retry-After.
        using (var client = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(30) })
        {
            using var refused = await SendAsync(client, payloads[half], $"delivery-{half}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter is not null, "503 without Retry-After");
        }

        nats.Start();
        // The sender retries what was refused, as GitHub's redelivery would.
        Assert.Equal(payloads.Count - half, await PostAllAsync(serve.Address, payloads[half..], offset: half));
        await WaitAsync(() => Task.FromResult(Counts(store).Events == payloads.Count), $"{payloads.Count} events committed");
        await WaitAsync(async () => await first.MetricAsync("pipewatch_queue_in_flight") + await second.MetricAsync("pipewatch_queue_in_flight") == 0, "every message acknowledged");
        Assert.Equal((payloads.Count, payloads.Count), Counts(store));
        await first.StopAsync();
        await second.StopAsync();
        await serve.StopAsync();
    }

    /// <summary>The four corpus webhooks that raise a finding each, then member-added webhooks of many repositories (one finding each).</summary>
    internal static List<(string Event, byte[] Body)> Payloads(int repositories, int membersEach)
    {
        var payloads = CorpusFindings.Select(f => (f.Split('/')[0], File.ReadAllBytes(Corpus.File("github-webhooks", f)))).ToList();
        var template = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "member", "added.payload.json")))!;
        for (var r = 0; r < repositories; r++)
        {
            for (var m = 0; m < membersEach; m++)
            {
                template["repository"]!["full_name"] = $"estate/repo-{r}";
                template["repository"]!["name"] = $"repo-{r}";
                template["member"]!["login"] = $"contractor-{r}-{m}";
                template["member"]!["id"] = 80_000 + (r * 100) + m;
                payloads.Add(("member", Encoding.UTF8.GetBytes(template.ToJsonString())));
            }
        }

        return payloads;
    }

    internal static string Config(TempFolder folder, string ackWait, string? alerts = null)
    {
        var path = folder.File(alerts is null ? "pipewatch.yml" : $"pipewatch-{alerts}.yml");
        var routes = alerts is null ? "" : $"alerts:\n  routes:\n    - name: lake\n      sink: ocsf\n      file: '{folder.File($"alerts-{alerts}.jsonl")}'\n";
        File.WriteAllText(path, $"serve:\n  queue-partitions: 16\n  queue-ack-wait: {ackWait}\n{routes}");
        return path;
    }

    /// <summary>Posts every payload (delivery ids from their index), retrying a 503 as a webhook sender does; the count answered 202.</summary>
    internal static async Task<int> PostAllAsync(Uri address, IReadOnlyList<(string Event, byte[] Body)> payloads, int offset = 0, int parallel = 8)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var accepted = 0;
        await Parallel.ForEachAsync(
            payloads.Select((p, i) => (p, i)),
            new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = TestContext.Current.CancellationToken },
            async (item, ct) =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(40);
                while (true)
                {
                    using var response = await SendAsync(client, item.p, $"delivery-{item.i + offset}");
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref accepted);
                        return;
                    }

                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline) return;
                    await Task.Delay(200, ct);
                }
            });
        return accepted;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, (string Event, byte[] Body) payload, string delivery)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(payload.Body) };
        request.Headers.Add("X-GitHub-Event", payload.Event);
        request.Headers.Add("X-GitHub-Delivery", delivery);
        request.Headers.Add("X-Hub-Signature-256", RunningServer.Sign(payload.Body));
        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    internal static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            try
            {
                if (await done()) return;
            }
            catch (HttpRequestException)
            {
                // Not answering yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"not within 45 s: {what}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    internal static SortedSet<string> Fingerprints(string store)
    {
        using var connection = new SqliteConnection($"Data Source={store};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fingerprint || ' ' || rule || ' ' || category FROM findings";
        using var reader = command.ExecuteReader();
        var set = new SortedSet<string>(StringComparer.Ordinal);
        while (reader.Read()) set.Add(reader.GetString(0));
        return set;
    }

    /// <summary>Events in the ledger and findings stored.</summary>
    private static (long Events, long Findings) Counts(string store)
    {
        if (!File.Exists(store)) return (0, 0);
        using var connection = new SqliteConnection($"Data Source={store};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using (var wait = connection.CreateCommand())
        {
            wait.CommandText = "PRAGMA busy_timeout = 5000";
            wait.ExecuteNonQuery();
        }

        using var events = connection.CreateCommand();
        events.CommandText = "SELECT coalesce(sum(length(hashes)), 0) / 8 FROM ledger_buckets";
        using var findings = connection.CreateCommand();
        findings.CommandText = "SELECT count(*) FROM findings";
        return ((long)events.ExecuteScalar()!, (long)findings.ExecuteScalar()!);
    }
}
