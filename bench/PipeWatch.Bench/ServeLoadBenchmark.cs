using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Server;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Store;

namespace PipeWatch.Bench;

/// <summary>
/// <c>--suite serve</c>: signed <c>workflow_job</c> webhooks posted by a concurrent client to the real server on loopback; throughput and
/// the latency from each POST to its events' commit (p50, p99), against <c>ingest</c> of the same payloads from a file in the same run.
/// </summary>
/// <remarks>Loopback only; bounded in count (<c>--events</c>, at most 50,000) and time (two minutes for the server to finish).</remarks>
internal static class ServeLoadBenchmark
{
    private const string Secret = "bench-secret";
    private const int Clients = 32;

    public static async Task<int> RunAsync(string root, long events, TextWriter output)
    {
        var count = (int)Math.Min(events, 50_000);
        var file = WorkflowJobCorpus.Ensure(root, count, output);
        var bodies = File.ReadLines(file).Take(count).Select(Encoding.UTF8.GetBytes).ToList();
        var work = Path.Combine(Path.GetTempPath(), $"pipewatch-serve-bench-{Guid.NewGuid():n}");
        Directory.CreateDirectory(work);
        try
        {
            output.WriteLine($"machine load before: {Load()}");
            var ingest = await IngestAsync(Path.Combine(work, "ingest.db"), file, count);
            var serve = await ServeAsync(Path.Combine(work, "serve.db"), bodies);
            output.WriteLine($"payloads: {count:N0} workflow_job webhooks ({bodies.Sum(b => (long)b.Length) / (1 << 20):N0} MB), {Clients} concurrent clients, loopback");
            output.WriteLine($"ingest of the file:  {ingest.TotalSeconds:0.00} s, {count / ingest.TotalSeconds:N0} payloads/s");
            output.WriteLine($"serve, POST to commit: {serve.Elapsed.TotalSeconds:0.00} s, {count / serve.Elapsed.TotalSeconds:N0} webhooks/s ({serve.Elapsed.TotalSeconds / ingest.TotalSeconds:0.0}x ingest's time)");
            output.WriteLine($"acknowledged {serve.Acknowledged:N0}, committed {serve.Committed:N0}, refused {serve.Refused:N0} (429), lost {serve.Acknowledged - serve.Committed:N0}");
            output.WriteLine($"latency POST → 202:       p50 {Ms(serve.Ack, 0.5)}, p99 {Ms(serve.Ack, 0.99)}, max {Ms(serve.Ack, 1)}");
            output.WriteLine($"latency POST → committed: p50 {Ms(serve.Commit, 0.5)}, p99 {Ms(serve.Commit, 0.99)}, max {Ms(serve.Commit, 1)}");
            output.WriteLine($"machine load after: {Load()}");
            return serve.Acknowledged == serve.Committed ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<TimeSpan> IngestAsync(string store, string file, int count)
    {
        // The same payloads from a file, through the same composition (PipelineBuilder) as ingest, on a fresh store.
        var lines = Path.Combine(Path.GetDirectoryName(store)!, "payloads.jsonl");
        WorkflowJobCorpus.WritePrefix(file, lines, count);
        using var opened = StoreFactory.Open(store);
        var engine = new PipelineBuilder(opened).WithProblems(new ProblemLog()).Build();
        var watch = Stopwatch.StartNew();
        await engine.RunAsync([new JsonFileSource(lines, PayloadFormats.All)], null, CancellationToken.None);
        return watch.Elapsed;
    }

    private static async Task<ServeRun> ServeAsync(string store, List<byte[]> bodies)
    {
        var started = new ConcurrentDictionary<string, long>();
        var commit = new ConcurrentBag<double>();
        var ack = new ConcurrentBag<double>();
        var committed = 0;
        await using var server = await PipeWatchServer.StartAsync(new ServerSettings
        {
            StorePath = store,
            Urls = "http://127.0.0.1:0",
            Environment = name => name == "PIPEWATCH_GITHUB_WEBHOOK_SECRET" ? Secret : name == "PIPEWATCH_API_TOKEN" ? "bench" : null,
            OnCommitted = delivery =>
            {
                if (delivery is not null && started.TryGetValue(delivery, out var at)) commit.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                Interlocked.Increment(ref committed);
            },
        });
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = server.Addresses[0] };
        var key = Encoding.UTF8.GetBytes(Secret);
        var signatures = bodies.Select(b => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, b))).ToList();
        var acknowledged = 0;
        var refused = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, bodies.Count), new ParallelOptions { MaxDegreeOfParallelism = Clients }, async (i, ct) =>
        {
            var delivery = $"bench-{i}";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(bodies[i]) };
            request.Headers.Add("X-GitHub-Event", "workflow_job");
            request.Headers.Add("X-GitHub-Delivery", delivery);
            request.Headers.Add("X-Hub-Signature-256", signatures[i]);
            var at = Stopwatch.GetTimestamp();
            started[delivery] = at;
            using var response = await client.SendAsync(request, ct);
            ack.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            if (response.StatusCode == HttpStatusCode.Accepted) Interlocked.Increment(ref acknowledged);
            else if (response.StatusCode == HttpStatusCode.TooManyRequests) Interlocked.Increment(ref refused);
        });
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref committed) < acknowledged && deadline.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(5);
        var elapsed = watch.Elapsed;
        return new ServeRun(elapsed, acknowledged, Volatile.Read(ref committed), refused, [.. ack.Order()], [.. commit.Order()]);
    }

    private static string Ms(double[] sorted, double quantile) =>
        sorted.Length == 0 ? "-" : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1 < 0 ? 0 : (int)Math.Ceiling(quantile * sorted.Length) - 1)].ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() + $" (load averages 1/5/15 min; {Environment.ProcessorCount} cores)" : "unknown";

    private sealed record ServeRun(TimeSpan Elapsed, int Acknowledged, int Committed, int Refused, double[] Ack, double[] Commit);
}
