using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using PipeWatch.Server.Queue;

namespace PipeWatch.Bench;

/// <summary>
/// <c>--suite estate</c>: an estate of repositories (10,000 by default) whose webhooks, made from the corpus's payload shapes, arrive
/// at realistic per-repository rates (a heavy tail: a few busy monorepos, many quiet repositories), replayed three ways in the same
/// run: one <c>pipewatch serve</c> on SQLite; <c>serve --queue</c> on NATS JetStream with one <c>pipewatch worker</c> on PostgreSQL;
/// the same with two workers. Printed per way: webhooks/s, latency from POST to the committed finding (p50, p99), the partitions'
/// balance, each process's peak memory, PostgreSQL's size per million events, and whether the findings are identical.
/// </summary>
/// <remarks>
/// The services are real and started outside (<c>bench/estate.sh</c> starts nats-server and PostgreSQL on loopback ports and gives
/// them as <c>PIPEWATCH_BENCH_NATS</c> and <c>PIPEWATCH_BENCH_PG</c>, a location whose password comes from a password file); serve
/// and the workers are the published CLI (<c>PIPEWATCH</c>: its path) as child processes, so their memory is their own. Each way
/// gets its own SQLite file or PostgreSQL database and its own delivery ids (JetStream's duplicate window would drop a repeat).
/// Of the webhooks, 1 in 20 adds an outside collaborator (one finding each, the latency probe); the rest are completed
/// <c>workflow_job</c>s of identical duration, which feed the baselines and raise nothing, so the findings do not depend on
/// arrival order and must be the same three times.
/// </remarks>
internal static class EstateBenchmark
{
    private const string Secret = "estate-bench-secret";
    private const int Clients = 32;
    private const int Partitions = 16;
    private const int ProbeEvery = 20;

    public static async Task<int> RunAsync(string root, long events, TextWriter output)
    {
        var cli = Environment.GetEnvironmentVariable("PIPEWATCH");
        var nats = Environment.GetEnvironmentVariable("PIPEWATCH_BENCH_NATS");
        var postgres = Environment.GetEnvironmentVariable("PIPEWATCH_BENCH_PG");
        if (cli is null || nats is null || postgres is null)
        {
            output.WriteLine("the estate suite needs PIPEWATCH (the published CLI), PIPEWATCH_BENCH_NATS and PIPEWATCH_BENCH_PG: run it through bench/estate.sh");
            return 2;
        }

        var repositories = int.TryParse(Environment.GetEnvironmentVariable("PIPEWATCH_BENCH_REPOS"), CultureInfo.InvariantCulture, out var r) && r > 0 ? r : 10_000;
        var count = (int)Math.Min(events, 1_000_000);
        var estate = Estate.Generate(Path.Combine(root, "..", "shared", "corpus", "github-webhooks"), repositories, count);
        output.WriteLine($"machine load before: {Load()}");
        output.WriteLine($"estate: {repositories:N0} repositories, {count:N0} webhooks ({estate.Probes:N0} raise a finding), {estate.Bytes / (1 << 20):N0} MB; busiest repository {estate.Busiest:N0} webhooks, median {estate.Median:N0}, {estate.Silent:N0} repositories with none");
        output.WriteLine($"partitions ({Partitions}): webhooks per partition min {estate.PerPartition.Min():N0}, max {estate.PerPartition.Max():N0}, mean {estate.PerPartition.Average():N0}");
        output.WriteLine();

        var work = Directory.CreateTempSubdirectory("pipewatch-estate-");
        try
        {
            var config = Path.Combine(work.FullName, "pipewatch.yml");
            await File.WriteAllTextAsync(config, $"serve:\n  queue-partitions: {Partitions}\n  queue-ack-wait: 30s\n");
            var ways = new List<Way>
            {
                new("serve on SQLite (one process)", work.FullName, cli, config, null, null, 0),
                new("serve --queue + 1 worker on PostgreSQL", work.FullName, cli, config, nats, postgres, 1),
                new("serve --queue + 2 workers on PostgreSQL", work.FullName, cli, config, nats, postgres, 2),
            };
            var results = new List<Result>();
            foreach (var (way, index) in ways.Select((w, i) => (w, i)))
            {
                var result = await way.RunAsync(estate, $"run{index}", output);
                results.Add(result);
                output.WriteLine($"{way.Name}:");
                output.WriteLine($"  {count:N0} webhooks in {result.Elapsed.TotalSeconds:0.0} s: {count / result.Elapsed.TotalSeconds:N0} webhooks/s; acknowledged {result.Acknowledged:N0}, findings {result.Findings.Count:N0}");
                output.WriteLine($"  POST → committed finding: p50 {Ms(result.Latencies, 0.5)}, p99 {Ms(result.Latencies, 0.99)}, max {Ms(result.Latencies, 1)} ({result.Latencies.Count:N0} probes)");
                output.WriteLine($"  peak memory: {string.Join(", ", result.PeakMemory.Select(p => $"{p.Name} {p.Megabytes:N0} MB"))}");
                if (result.Processed.Count > 0) output.WriteLine($"  messages processed per worker: {string.Join(", ", result.Processed.Select(p => $"{p.Name} {p.Count:N0}"))}");
                if (result.DatabaseBytes is { } bytes) output.WriteLine($"  PostgreSQL: {bytes / (1 << 20):N1} MB written (the database's size less an empty one's), {bytes / (double)count * 1_000_000 / (1 << 30):0.00} GB per million events");
                output.WriteLine();
            }

            var same = results.All(x => x.Findings.SetEquals(results[0].Findings));
            var lost = results.Any(x => x.Acknowledged != count || x.Findings.Count != estate.Probes);
            output.WriteLine($"findings identical across the three ways: {(same ? "yes" : "NO")}; {(lost ? "SOMETHING WAS LOST" : "nothing lost")}");
            output.WriteLine($"machine load after: {Load()}");
            return same && !lost ? 0 : 1;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string Ms(List<double> values, double q)
    {
        if (values.Count == 0) return "-";
        values.Sort();
        return $"{values[(int)Math.Min(values.Count - 1, Math.Floor(q * values.Count))]:N1} ms";
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

    /// <summary>The webhooks of the estate, in arrival order.</summary>
    private sealed class Estate
    {
        public required List<(string Event, string Repository, byte[] Body, bool Probe)> Webhooks { get; init; }

        public int Probes => Webhooks.Count(w => w.Probe);

        public long Bytes => Webhooks.Sum(w => (long)w.Body.Length);

        public int Busiest { get; private init; }

        public int Median { get; private init; }

        public int Silent { get; private init; }

        public int[] PerPartition { get; private init; } = [];

        /// <summary>
        /// Per-repository rates from a Zipf law (exponent 1.1: a few busy monorepos take a large share, most repositories send a
        /// handful or nothing; the printed summary says how much), arrivals drawn from it with a fixed seed, so every run replays
        /// the same estate.
        /// </summary>
        public static Estate Generate(string corpus, int repositories, int count)
        {
            var job = JsonNode.Parse(File.ReadAllText(Path.Combine(corpus, "workflow_job", "completed.success.with-organization.payload.json")))!;
            var member = JsonNode.Parse(File.ReadAllText(Path.Combine(corpus, "member", "added.payload.json")))!;
            var weights = new double[repositories];
            for (var i = 0; i < repositories; i++) weights[i] = 1 / Math.Pow(i + 1, 1.1);
            var cumulative = new double[repositories];
            var total = 0.0;
            for (var i = 0; i < repositories; i++) cumulative[i] = total += weights[i];

            var random = new Random(20261206);
            var perRepository = new int[repositories];
            var webhooks = new List<(string, string, byte[], bool)>(count);
            for (var n = 0; n < count; n++)
            {
                var index = Array.BinarySearch(cumulative, random.NextDouble() * total);
                var repo = index < 0 ? Math.Min(~index, repositories - 1) : index;
                var name = $"estate-{repo % 97}/repo-{repo}";
                var seen = perRepository[repo]++;
                if (n % ProbeEvery == 0)
                {
                    member["repository"]!["full_name"] = name;
                    member["repository"]!["name"] = $"repo-{repo}";
                    member["member"]!["login"] = $"contractor-{n}";
                    member["member"]!["id"] = 1_000_000 + n;
                    webhooks.Add(("member", name, Encoding.UTF8.GetBytes(member.ToJsonString()), true));
                }
                else
                {
                    job["repository"]!["full_name"] = name;
                    job["repository"]!["name"] = $"repo-{repo}";
                    job["workflow_job"]!["id"] = 5_000_000_000L + n;
                    job["workflow_job"]!["run_id"] = 9_000_000_000L + seen;
                    webhooks.Add(("workflow_job", name, Encoding.UTF8.GetBytes(job.ToJsonString()), false));
                }
            }

            var sorted = perRepository.Order().ToArray();
            var perPartition = new int[Partitions];
            foreach (var (_, repository, _, _) in webhooks) perPartition[IntakeStream.Partition(repository, Partitions)]++;
            return new Estate
            {
                Webhooks = webhooks,
                Busiest = sorted[^1],
                Median = sorted[sorted.Length / 2],
                Silent = sorted.Count(c => c == 0),
                PerPartition = perPartition,
            };
        }
    }

    private sealed record Result(
        TimeSpan Elapsed,
        int Acknowledged,
        HashSet<string> Findings,
        List<double> Latencies,
        List<(string Name, double Megabytes)> PeakMemory,
        List<(string Name, long Count)> Processed,
        long? DatabaseBytes);

    /// <summary>One way of running the estate: the processes, their store, the posting and the watching.</summary>
    private sealed record Way(string Name, string Work, string Cli, string Config, string? Nats, string? Postgres, int Workers)
    {
        public async Task<Result> RunAsync(Estate estate, string run, TextWriter output)
        {
            string store;
            string? database = null;
            long emptySize = 0;
            if (Postgres is null)
            {
                store = Path.Combine(Work, $"{run}.db");
            }
            else
            {
                database = $"estate_{run}_{Guid.NewGuid():n}"[..30];
                await using (var admin = Open(Postgres, "postgres"))
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                    await create.ExecuteNonQueryAsync();
                }

                store = WithDatabase(Postgres, database);
                await using var connection = Open(Postgres, database);
                await using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
                emptySize = (long)(await size.ExecuteScalarAsync())!;
            }

            var processes = new List<Child>();
            try
            {
                for (var w = 0; w < Workers; w++)
                {
                    processes.Add(await Child.StartAsync($"worker {w + 1}", Cli, Work,
                        ["worker", "--queue", Nats!, "--store", store, "--urls", $"http://127.0.0.1:{FreePort()}", "--name", $"{run}-w{w + 1}", "--config", Config],
                        "health and metrics on"));
                }

                var servePort = FreePort();
                var serveArgs = new List<string> { "serve", "--urls", $"http://127.0.0.1:{servePort}", "--store", Path.Combine(Work, $"{run}-serve.db"), "--config", Config };
                if (Postgres is null) serveArgs[4] = store;
                else serveArgs.AddRange(["--queue", Nats!]);
                var serve = await Child.StartAsync("serve", Cli, Work, serveArgs, "listening on");
                processes.Add(serve);

                var posted = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
                var latencies = new List<double>();
                var findings = new HashSet<string>(StringComparer.Ordinal);
                using var watching = new CancellationTokenSource();
                var watcher = Task.Run(() => WatchAsync(store, database, posted, latencies, findings, estate.Probes, watching.Token));

                var started = Stopwatch.GetTimestamp();
                var acknowledged = await PostAllAsync(new Uri($"http://127.0.0.1:{servePort}"), estate, run, posted);
                var deadline = DateTime.UtcNow.AddMinutes(10);
                while (!watcher.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(50);
                await watching.CancelAsync();
                await watcher.ContinueWith(_ => { });
                var elapsed = Stopwatch.GetElapsedTime(started);

                var processed = new List<(string, long)>();
                foreach (var worker in processes.Where(p => p.Name.StartsWith("worker", StringComparison.Ordinal)))
                {
                    processed.Add((worker.Name, (long)await worker.MetricAsync("pipewatch_queue_processed_total")));
                }

                var peaks = processes.Select(p => (p.Name, p.PeakMegabytes())).ToList();
                long? size = null;
                if (database is not null)
                {
                    await using var connection = Open(Postgres!, database);
                    await using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
                    size = (long)(await command.ExecuteScalarAsync())! - emptySize;
                }

                lock (findings) return new Result(elapsed, acknowledged, [.. findings], [.. latencies], peaks, processed, size);
            }
            finally
            {
                foreach (var process in Enumerable.Reverse(processes)) await process.StopAsync(output);
            }
        }

        private async Task<int> PostAllAsync(Uri address, Estate estate, string run, ConcurrentDictionary<string, long> posted)
        {
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
            var accepted = 0;
            await Parallel.ForEachAsync(estate.Webhooks.Select((w, i) => (w, i)), new ParallelOptions { MaxDegreeOfParallelism = Clients }, async (item, ct) =>
            {
                var delivery = $"{run}-{item.i}";
                for (var attempt = 0; attempt < 200; attempt++)
                {
                    if (item.w.Probe) posted[delivery] = Stopwatch.GetTimestamp();
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(item.w.Body) };
                    request.Headers.Add("X-GitHub-Event", item.w.Event);
                    request.Headers.Add("X-GitHub-Delivery", delivery);
                    request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), item.w.Body)));
                    using var response = await client.SendAsync(request, ct);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref accepted);
                        return;
                    }

                    // 429 (serve's backlog is full) or 503 (JetStream busy): retry as a webhook sender does.
                    await Task.Delay(100, ct);
                }
            });
            return accepted;
        }

        // Polls the store for new findings (keyset on their storage order), and takes each probe's latency from its POST to the
        // poll that first saw its finding: a 20 ms poll adds at most 20 ms to each.
        private async Task WatchAsync(string store, string? database, ConcurrentDictionary<string, long> posted, List<double> latencies, HashSet<string> findings, int expected, CancellationToken stop)
        {
            long last = 0;
            while (!stop.IsCancellationRequested)
            {
                var rows = new List<(long Seq, string Fingerprint, string Body)>();
                try
                {
                    if (database is null)
                    {
                        if (File.Exists(store))
                        {
                            using var connection = new SqliteConnection($"Data Source={store};Mode=ReadOnly;Pooling=False");
                            connection.Open();
                            using var command = connection.CreateCommand();
                            command.CommandText = "SELECT rowid, fingerprint, body FROM findings WHERE rowid > $last ORDER BY rowid";
                            command.Parameters.AddWithValue("$last", last);
                            using var reader = command.ExecuteReader();
                            while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
                        }
                    }
                    else
                    {
                        await using var connection = Open(Postgres!, database);
                        await using var command = new NpgsqlCommand("SELECT seq, fingerprint, body FROM findings WHERE seq > @last ORDER BY seq", connection);
                        command.Parameters.AddWithValue("last", last);
                        await using var reader = await command.ExecuteReaderAsync(stop);
                        while (await reader.ReadAsync(stop)) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
                    }
                }
                catch (Exception ex) when (ex is SqliteException or NpgsqlException)
                {
                    // The table is not there yet (the store is being created): ask again.
                }

                var now = Stopwatch.GetTimestamp();
                lock (findings)
                {
                    foreach (var (seq, fingerprint, body) in rows)
                    {
                        last = Math.Max(last, seq);
                        findings.Add(fingerprint);
                        var at = body.IndexOf("webhook:github/", StringComparison.Ordinal);
                        if (at < 0) continue;
                        var end = body.IndexOfAny(['"', '#', ':'], at + "webhook:github/".Length);
                        var delivery = body[(at + "webhook:github/".Length)..(end < 0 ? body.Length : end)];
                        if (posted.TryGetValue(delivery, out var sent)) latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                    }

                    if (findings.Count >= expected) return;
                }

                try
                {
                    await Task.Delay(20, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static NpgsqlConnection Open(string location, string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString(location)) { Database = database, Pooling = false };
        var connection = new NpgsqlConnection(builder.ToString());
        connection.Open();
        return connection;
    }

    // PIPEWATCH_BENCH_PG is a postgres:// URI the store accepts (user, host, port, database, passfile); the bench's own
    // connections read the same.
    private static string ConnectionString(string location)
    {
        var uri = new Uri(location);
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.Port, Username = uri.UserInfo, Database = uri.AbsolutePath.Trim('/') };
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (pair.Split('=')[0], Uri.UnescapeDataString(pair.Split('=', 2)[1]));
            if (key == "passfile") builder.Passfile = value;
        }

        return builder.ToString();
    }

    private static string WithDatabase(string location, string database)
    {
        var uri = new UriBuilder(location) { Path = "/" + database };
        return uri.Uri.ToString();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A pipewatch process of the run.</summary>
    private sealed class Child(string name, Process process, Uri? address)
    {
        public string Name { get; } = name;

        public static async Task<Child> StartAsync(string name, string cli, string work, IReadOnlyList<string> arguments, string ready)
        {
            var info = new ProcessStartInfo(cli) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            info.Environment["PIPEWATCH_GITHUB_WEBHOOK_SECRET"] = Secret;
            info.Environment["PIPEWATCH_API_TOKEN"] = "estate-bench-token";
            var process = Process.Start(info)!;
            var errors = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (!line.Contains(ready, StringComparison.Ordinal)) continue;
                _ = process.StandardOutput.ReadToEndAsync();
                var urls = arguments.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault();
                return new Child(name, process, urls is null ? null : new Uri(urls));
            }

            throw new InvalidOperationException($"{name} did not start (exit {(process.HasExited ? process.ExitCode : -1)}): {await errors}");
        }

        public async Task<double> MetricAsync(string metric)
        {
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            var text = await client.GetStringAsync("/metrics");
            return text.Split('\n')
                .Where(l => l.StartsWith(metric, StringComparison.Ordinal) && l.Length > metric.Length && l[metric.Length] is ' ' or '{')
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }

        /// <summary>The peak resident memory (VmHWM) of the process so far.</summary>
        public double PeakMegabytes()
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }

        public async Task StopAsync(TextWriter output)
        {
            if (!process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
                if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
                {
                    output.WriteLine($"  {Name} did not stop within 60 s; killed");
                    process.Kill();
                }
            }

            process.Dispose();
        }
    }
}
