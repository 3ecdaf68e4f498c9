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
/// <c>--suite serve</c>: signed <c>workflow_job</c> webhooks posted to the real server on loopback; throughput and the latency from
/// each POST to its events' commit (p50, p99), against <c>ingest</c> of the same payloads from a file in the same run.
/// </summary>
/// <remarks>
/// Two loads: paced (open loop: webhook i is due at start + i/rate, and its latency counts from then, so a slow server cannot hide
/// its queue by slowing the client) and as fast as 32 concurrent clients go. Each against the engine settings serve had before
/// (batches committed at 50 ms of age) and those it has now (committed as soon as the intake drains), in the same run, with the
/// process's CPU time per webhook (fairer than wall time on a busy machine). Loopback only; bounded in count (<c>--events</c>, at
/// most 50,000) and time (two minutes for the server to finish each run).
/// </remarks>
internal static class ServeLoadBenchmark
{
    private const string Secret = "bench-secret";
    private const int Clients = 32;
    private const int PacedClients = 128;

    /// <param name="rate">Webhooks a second offered; 0: as fast as the clients go; negative: both 2,000/s and as fast as they go.</param>
    public static async Task<int> RunAsync(string root, long events, int rate, TextWriter output)
    {
        var count = (int)Math.Min(events, 50_000);
        var file = WorkflowJobCorpus.Ensure(root, count, output);
        var bodies = File.ReadLines(file).Take(count).Select(Encoding.UTF8.GetBytes).ToList();
        var work = Path.Combine(Path.GetTempPath(), $"pipewatch-serve-bench-{Guid.NewGuid():n}");
        Directory.CreateDirectory(work);
        var lost = 0;
        try
        {
            output.WriteLine($"machine load before: {Load()}");
            output.WriteLine($"payloads: {count:N0} workflow_job webhooks ({bodies.Sum(b => (long)b.Length) / (1 << 20):N0} MB), loopback");
            var (ingest, ingestCpu) = await IngestAsync(Path.Combine(work, "ingest.db"), file, count);
            output.WriteLine($"ingest of the file: {ingest.TotalSeconds:0.00} s, {count / ingest.TotalSeconds:N0} payloads/s, CPU {ingestCpu.TotalMilliseconds * 1000 / count:0} µs a payload");
            EngineOptions before = new() { MaxBatchAge = TimeSpan.FromMilliseconds(50), BatchSize = 20_000 };
            var now = new ServerSettings { StorePath = "-" }.Engine;
            var run = 0;
            foreach (var offered in rate < 0 ? [2_000, 0] : new[] { rate })
            {
                foreach (var (name, engine) in new[] { ("before (commit at 50 ms of age)", before), ("now (commit when the intake drains)", now) })
                {
                    var serve = await ServeAsync(Path.Combine(work, $"serve{run++}.db"), bodies, offered, engine);
                    lost += serve.Acknowledged - serve.Committed;
                    output.WriteLine();
                    output.WriteLine($"serve {name}, {(offered == 0 ? $"as fast as {Clients} clients go" : $"paced at {offered:N0}/s")}:");
                    output.WriteLine($"  POST to commit: {serve.Elapsed.TotalSeconds:0.00} s, {count / serve.Elapsed.TotalSeconds:N0} webhooks/s ({serve.Elapsed.TotalSeconds / ingest.TotalSeconds:0.0}x ingest's time)");
                    output.WriteLine($"  CPU {serve.Cpu.TotalMilliseconds * 1000 / count:0} µs a webhook ({serve.Cpu / ingestCpu:0.0}x ingest's CPU)");
                    output.WriteLine($"  acknowledged {serve.Acknowledged:N0}, committed {serve.Committed:N0}, refused {serve.Refused:N0} (429), lost {serve.Acknowledged - serve.Committed:N0}");
                    output.WriteLine($"  latency POST → 202:       p50 {Ms(serve.Ack, 0.5)}, p99 {Ms(serve.Ack, 0.99)}, max {Ms(serve.Ack, 1)}");
                    output.WriteLine($"  latency POST → committed: p50 {Ms(serve.Commit, 0.5)}, p99 {Ms(serve.Commit, 0.99)}, max {Ms(serve.Commit, 1)}");
                    output.WriteLine($"    of which 202 → read by the engine's reader: p50 {Ms(serve.Queued, 0.5)}, p99 {Ms(serve.Queued, 0.99)}; read → committed (batch and commit): p50 {Ms(serve.Engine, 0.5)}, p99 {Ms(serve.Engine, 0.99)}");
                }
            }

            output.WriteLine();
            output.WriteLine($"machine load after: {Load()}");
            return lost == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(TimeSpan Wall, TimeSpan Cpu)> IngestAsync(string store, string file, int count)
    {
        // The same payloads from a file, through the same composition (PipelineBuilder) as ingest, on a fresh store.
        var lines = Path.Combine(Path.GetDirectoryName(store)!, "payloads.jsonl");
        WorkflowJobCorpus.WritePrefix(file, lines, count);
        using var opened = StoreFactory.Open(store);
        var engine = new PipelineBuilder(opened).WithProblems(new ProblemLog()).Build();
        var cpu = Cpu();
        var watch = Stopwatch.StartNew();
        await engine.RunAsync([new JsonFileSource(lines, PayloadFormats.All)], null, CancellationToken.None);
        return (watch.Elapsed, Cpu() - cpu);
    }

    private static async Task<ServeRun> ServeAsync(string store, List<byte[]> bodies, int rate, EngineOptions engine)
    {
        var started = new ConcurrentDictionary<string, long>();
        var answered = new ConcurrentDictionary<string, long>();
        var read = new ConcurrentDictionary<string, long>();
        var queued = new ConcurrentBag<double>();
        var engineTime = new ConcurrentBag<double>();
        var commit = new ConcurrentBag<double>();
        var ack = new ConcurrentBag<double>();
        var committed = 0;
        await using var server = await PipeWatchServer.StartAsync(new ServerSettings
        {
            StorePath = store,
            Urls = "http://127.0.0.1:0",
            Environment = name => name == "PIPEWATCH_GITHUB_WEBHOOK_SECRET" ? Secret : name == "PIPEWATCH_API_TOKEN" ? "bench" : null,
            Engine = engine,
            OnRead = delivery =>
            {
                if (delivery is not null) read[delivery] = Stopwatch.GetTimestamp();
            },
            OnCommitted = delivery =>
            {
                if (delivery is not null && started.TryGetValue(delivery, out var at)) commit.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                if (delivery is not null && read.TryGetValue(delivery, out var handed)) engineTime.Add(Stopwatch.GetElapsedTime(handed).TotalMilliseconds);
                Interlocked.Increment(ref committed);
            },
        });
        var clients = rate > 0 ? PacedClients : Clients;
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = server.Addresses[0] };
        var key = Encoding.UTF8.GetBytes(Secret);
        var signatures = bodies.Select(b => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, b))).ToList();
        var acknowledged = 0;
        var refused = 0;
        var cpu = Cpu();
        var watch = Stopwatch.StartNew();
        var origin = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, bodies.Count), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (i, ct) =>
        {
            var delivery = $"bench-{i}";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(bodies[i]) };
            request.Headers.Add("X-GitHub-Event", "workflow_job");
            request.Headers.Add("X-GitHub-Delivery", delivery);
            request.Headers.Add("X-Hub-Signature-256", signatures[i]);
            var at = Stopwatch.GetTimestamp();
            if (rate > 0)
            {
                // Open loop: due at origin + i/rate; the latency counts from then, however late the client got to send it.
                var due = origin + (long)((double)i / rate * Stopwatch.Frequency);
                if (due > at) await Task.Delay(Stopwatch.GetElapsedTime(at, due), ct);
                at = due;
            }

            started[delivery] = at;
            using var response = await client.SendAsync(request, ct);
            ack.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            answered[delivery] = Stopwatch.GetTimestamp();
            if (response.StatusCode == HttpStatusCode.Accepted) Interlocked.Increment(ref acknowledged);
            else if (response.StatusCode == HttpStatusCode.TooManyRequests) Interlocked.Increment(ref refused);
        });
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref committed) < acknowledged && deadline.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(5);
        var elapsed = watch.Elapsed;
        // 202 → read: the wait in the queue before the engine's reader takes the row (it may come before the client sees its 202).
        foreach (var (delivery, handed) in read)
        {
            if (answered.TryGetValue(delivery, out var at)) queued.Add(Math.Max(0, Stopwatch.GetElapsedTime(at, handed).TotalMilliseconds));
        }

        return new ServeRun(elapsed, Cpu() - cpu, acknowledged, Volatile.Read(ref committed), refused, [.. ack.Order()], [.. commit.Order()], [.. queued.Order()], [.. engineTime.Order()]);
    }

    private static string Ms(double[] sorted, double quantile) =>
        sorted.Length == 0 ? "-" : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1 < 0 ? 0 : (int)Math.Ceiling(quantile * sorted.Length) - 1)].ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() + $" (load averages 1/5/15 min; {Environment.ProcessorCount} cores)" : "unknown";

    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    private sealed record ServeRun(TimeSpan Elapsed, TimeSpan Cpu, int Acknowledged, int Committed, int Refused, double[] Ack, double[] Commit, double[] Queued, double[] Engine);
}
