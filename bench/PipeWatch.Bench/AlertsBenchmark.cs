using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Bench;

/// <summary>
/// Alert delivery (issue 15): N findings through a webhook route to a loopback HTTP listener, and through a syslog route
/// (TCP, CEF) to a real rsyslogd, against writing the same findings as JSON Lines to a file, all in the same run; then the
/// webhook route over a store as ingest and serve run it, with the delivery log only (d) and with the outbox that makes it
/// durable across a crash (e). Prints wall and CPU time, alerts/s, each ratio to the file's, the outbox's cost (e)/(d),
/// and the latency from handing a batch to the route to its arrival at the listener (p50, p95).
/// </summary>
internal static class AlertsBenchmark
{
    private const int EmitBatch = 500;

    public static async Task<int> RunAsync(long count, TextWriter output)
    {
        var n = (int)count;
        var alerts = Alerts(n);
        var folder = Path.Combine(Path.GetTempPath(), "pipewatch-bench-alerts", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        try
        {
            output.WriteLine($"alerts: {n:N0} findings, batches of {EmitBatch} handed to each sink; machine load: {File.ReadAllText("/proc/loadavg").Trim()}");
            output.WriteLine("CPU is this process's (the listener is in it; rsyslog's is not); ratios are to (a) in this run.");
            await FileAsync(alerts.Take(2_000).ToArray(), Path.Combine(folder, "warmup.jsonl"));
            var file = await Measured(() => FileAsync(alerts, Path.Combine(folder, "findings.jsonl")));
            Line(output, "(a) JSON Lines to a file           ", file, file, n, "(baseline)");
            List<double> latencies = [];
            var http = await Measured(async () => latencies = await WebhookAsync(alerts));
            Line(output, "(b) webhook route, loopback         ", http, file, n, $"batch latency p50 {Percentile(latencies, 0.5):0} ms, p95 {Percentile(latencies, 0.95):0} ms");
            if (File.Exists(Rsyslog.Executable))
            {
                var syslog = await Measured(() => SyslogAsync(alerts, folder));
                Line(output, "(c) syslog route, rsyslog           ", syslog, file, n, "(until rsyslog wrote the last line)");
            }
            else
            {
                output.WriteLine("(c) syslog route: skipped, /usr/sbin/rsyslogd is not installed (apt-get install rsyslog)");
            }

            // With a store, as ingest and serve run a route: findings committed in batches, each outcome in the delivery log;
            // (e) adds the outbox (written in each commit, cleared with each outcome) that makes the route durable across a crash.
            var logged = await Measured(() => DurableAsync(alerts, folder, outbox: false));
            Line(output, "(d) store + webhook route, log only ", logged, file, n, "");
            var durable = await Measured(() => DurableAsync(alerts, folder, outbox: true));
            Line(output, "(e) store + webhook route + outbox  ", durable, file, n, $"outbox cost: {durable.Wall / logged.Wall:0.00}× wall, {durable.Cpu / logged.Cpu:0.00}× CPU of (d)");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Alert[] Alerts(int n)
    {
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        return [.. Enumerable.Range(0, n).Select(i => new Alert(new Finding
        {
            Rule = "pipeline.long-duration",
            Category = Categories.LongDuration,
            Severity = Severity.High,
            Title = $"Step 'Test' of job 'build' ran 5.5× longer than usual (run {i})",
            Explanation = "Step 'Test' of job 'build' took 14m 33s; its baseline is a median of 2m 40s with a spread of 12s over 40 runs.",
            Entity = new Entity($"acme/repo-{i % 50}", "CI", "build", "Test", "mona"),
            Location = new Location($"{7_100_000_000 + i}", Url: $"https://github.com/acme/repo-{i % 50}/actions/runs/{7_100_000_000 + i}"),
            Evidence = [Evidence.Of("observed_seconds", "873"), Evidence.Of("median_seconds", "160"), Evidence.Of("samples", "40")],
            Techniques = ["T1496"],
            Timestamp = start.AddSeconds(i),
            DetectedAt = start.AddSeconds(i),
            Fingerprint = i.ToString(CultureInfo.InvariantCulture),
        }))];
    }

    private static async Task FileAsync(Alert[] alerts, string path)
    {
        var sink = new JsonLinesSink(new StreamWriter(path), ownsOutput: true);
        foreach (var batch in alerts.Chunk(EmitBatch)) await sink.EmitAsync(batch, CancellationToken.None);
        await sink.CompleteAsync(CancellationToken.None);
    }

    private static async Task<List<double>> WebhookAsync(Alert[] alerts)
    {
        var emitted = new long[alerts.Length];
        var latencies = new List<double>();
        var received = 0;
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (Volatile.Read(ref received) < alerts.Length)
            {
                var context = await listener.GetContextAsync();
                using (var json = await JsonDocument.ParseAsync(context.Request.InputStream))
                {
                    var list = json.RootElement.GetProperty("alerts");
                    var first = int.Parse(list[0].GetProperty("finding").GetProperty("fingerprint").GetString()!, CultureInfo.InvariantCulture);
                    lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(emitted[first]).TotalMilliseconds);
                    Interlocked.Add(ref received, list.GetArrayLength());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        var route = Route($"alerts:\n  routes:\n    - name: bench\n      sink: webhook\n      url: http://127.0.0.1:{port}/hook\n");
        await EmitAsync(route, alerts, emitted);
        await serving.WaitAsync(TimeSpan.FromMinutes(10));
        await route.CompleteAsync(CancellationToken.None);
        return latencies;
    }

    private static async Task SyslogAsync(Alert[] alerts, string folder)
    {
        using var rsyslog = new Rsyslog(folder);
        var route = Route($"alerts:\n  routes:\n    - name: bench\n      sink: syslog\n      host: 127.0.0.1\n      port: {rsyslog.TcpPort}\n      protocol: tcp\n");
        await EmitAsync(route, alerts, new long[alerts.Length]);
        await route.CompleteAsync(CancellationToken.None);
        await rsyslog.WaitForLinesAsync(alerts.Length, TimeSpan.FromMinutes(10));
    }

    private static async Task DurableAsync(Alert[] alerts, string folder, bool outbox)
    {
        var path = Path.Combine(folder, outbox ? "outbox.db" : "log.db");
        using var store = SqliteStore.Open(path);
        using var log = SqliteDeliveryLog.Open(path);
        var received = 0;
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (Volatile.Read(ref received) < alerts.Length)
            {
                var context = await listener.GetContextAsync();
                using (var json = await JsonDocument.ParseAsync(context.Request.InputStream))
                {
                    Interlocked.Add(ref received, json.RootElement.GetProperty("alerts").GetArrayLength());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        var route = Route($"alerts:\n  routes:\n    - name: bench\n      sink: webhook\n      url: http://127.0.0.1:{port}/hook\n", log);
        var added = new bool[EmitBatch];
        for (var i = 0; i < alerts.Length; i += EmitBatch)
        {
            var batch = alerts.AsSpan(i, Math.Min(EmitBatch, alerts.Length - i)).ToArray();
            using (var transaction = store.BeginBatch())
            {
                transaction.AddFindings([.. batch.Select(a => a.Finding)], added);
                if (outbox) ((IDurableSink)route).Stage(batch, transaction);
                transaction.Commit();
            }

            await route.EmitAsync(batch, CancellationToken.None);
        }

        await serving.WaitAsync(TimeSpan.FromMinutes(10));
        // The end waits for the last outcomes to be recorded (and the outbox cleared).
        await route.CompleteAsync(CancellationToken.None);
    }

    private static async Task<(TimeSpan Wall, TimeSpan Cpu)> Measured(Func<Task> run)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await run();
        self.Refresh();
        return (clock.Elapsed, self.TotalProcessorTime - cpu);
    }

    private static void Line(TextWriter output, string name, (TimeSpan Wall, TimeSpan Cpu) run, (TimeSpan Wall, TimeSpan Cpu) baseline, int n, string note) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} {run.Wall.TotalSeconds,7:0.000} s wall {n / run.Wall.TotalSeconds,10:N0} alerts/s {run.Wall / baseline.Wall,5:0.00}×   {run.Cpu.TotalSeconds,7:0.000} s CPU {run.Cpu / baseline.Cpu,5:0.00}×  {note}"));

    private static async Task EmitAsync(RouteSink route, Alert[] alerts, long[] emitted)
    {
        for (var i = 0; i < alerts.Length; i += EmitBatch)
        {
            var batch = alerts.AsSpan(i, Math.Min(EmitBatch, alerts.Length - i)).ToArray();
            var now = Stopwatch.GetTimestamp();
            for (var j = i; j < i + batch.Length; j++) emitted[j] = now;
            await route.EmitAsync(batch, CancellationToken.None);
        }
    }

    // A route as pipewatch.yml makes it, with a queue large enough to hold the whole run (the bench measures delivery, not drops).
    private static RouteSink Route(string yaml, IDeliveryLog? log = null)
    {
        var options = ConfigLoader.Parse(yaml, "pipewatch.yml").Alerts;
        options = options with { Routes = [.. options.Routes.Select(r => r with { Batching = r.Batching with { QueueLimit = 1_000_000 } })] };
        return AlertRouter.Create(options, new RouteContext(TimeProvider.System, _ => null, new ProblemLog(), "bench", Log: log)).Routes[0];
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    // A real rsyslogd on a loopback TCP port, writing each message as one line to a file.
    private sealed class Rsyslog : IDisposable
    {
        public const string Executable = "/usr/sbin/rsyslogd";
        private readonly Process _process;
        private readonly string _output;

        public Rsyslog(string folder)
        {
            TcpPort = FreePort();
            _output = Path.Combine(folder, "rsyslog.log");
            var config = Path.Combine(folder, "rsyslog.conf");
            File.WriteAllText(config, $"""
                global(workDirectory="{folder}" maxMessageSize="64k")
                module(load="imtcp")
                input(type="imtcp" address="127.0.0.1" port="{TcpPort}")
                template(name="raw" type="string" string="%msg%\n")
                *.* action(type="omfile" file="{_output}" template="raw")
                """);
            _process = Process.Start(new ProcessStartInfo(Executable, ["-n", "-f", config, "-i", Path.Combine(folder, "rsyslogd.pid")]) { UseShellExecute = false, RedirectStandardError = true })!;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    probe.Connect(IPAddress.Loopback, TcpPort);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(50);
                }
            }
        }

        public int TcpPort { get; }

        public async Task WaitForLinesAsync(int count, TimeSpan limit)
        {
            var deadline = DateTime.UtcNow + limit;
            while (DateTime.UtcNow < deadline)
            {
                if (File.Exists(_output) && CountLines(_output) >= count) return;
                await Task.Delay(20);
            }

            throw new TimeoutException($"rsyslog did not write {count:N0} lines in time");
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
            _process.Dispose();
        }

        private static long CountLines(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[1 << 16];
            long lines = 0;
            int n;
            while ((n = stream.Read(buffer)) > 0) lines += buffer.AsSpan(0, n).Count((byte)'\n');
            return lines;
        }
    }
}
