using System.Globalization;
using PipeWatch.Detectors.Performance;
using PipeWatch.Findings;
using PipeWatch.Sources.Runner.Prometheus;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Prometheus;

/// <summary>A runner's node_exporter scrapes turned into the agent's resource summary, and the resource-spike detector learning from them.</summary>
public sealed class ScrapeSeriesTests : IDisposable
{
    private const double GiB = 1 << 30;

    private readonly AgentJob _job = new();

    [Fact]
    public async Task Three_scrapes_add_up_to_the_cpu_used_busy_time_peak_memory_bytes_sent_and_disk_io_with_a_counter_reset()
    {
        var series = new ScrapeSeries();
        // Scrape 2: 18 CPU-seconds used of 20 in 10 s on 2 cores (busy; iowait does not count); lo's traffic does not count.
        // Scrape 3: eth0's counter reset (an interface restarted): its new value is the increase.
        series.Add(await ParseAsync(Node(1000, cpu0: (100, 50, 1000, 5), cpu1: (80, 40, 1100, 3), availableGiB: 6, eth0: 1e6, lo: 5e6, read: 1e9, written: 2e9)), 0);
        series.Add(await ParseAsync(Node(1010, cpu0: (108, 51, 1001, 5), cpu1: (89, 40, 1101, 5), availableGiB: 5, eth0: 3e6, lo: 9e6, read: 1.5e9, written: 2.1e9)), 0);
        series.Add(await ParseAsync(Node(1020, cpu0: (109, 51, 1010, 5), cpu1: (89, 40, 1111, 5), availableGiB: 7, eth0: 4e5, lo: 9e6, read: 1.5e9, written: 2.1e9)), 0);

        Assert.Equal(
            (3, 1000.0, 1020.0, 2, 19.0, 10.0, 3 * GiB, 2.4e6, 0.5e9, 0.1e9),
            (series.Scrapes, series.First, series.Last, series.Cores, series.CpuSeconds, series.BusySeconds, series.PeakMemoryBytes, series.SentBytes, series.ReadBytes, series.WriteBytes));
    }

    [Fact]
    public async Task A_scrape_series_whose_cpu_jumps_is_a_resource_spike_of_the_runners_metrics()
    {
        await using var exporter = new NodeExporterStandIn();
        double[] usual = [30, 32, 29, 31, 30];
        for (var run = 0; run < usual.Length; run++)
        {
            exporter.NextRun(usual[run], memoryGiB: 2 + (run * 0.25), sentBytes: 1e6);
            await _job.RunAsync("sleep 0.3\n", (run + 1).ToString(CultureInfo.InvariantCulture), scrape: exporter.Url);
        }

        // Both cores busy for the run's minute: 115 CPU-seconds.
        exporter.NextRun(115, memoryGiB: 2.5, sentBytes: 1e6);
        await _job.RunAsync("sleep 0.3\n", "6", scrape: exporter.Url);

        var summaries = _job.Lines().Where(l => l.GetValueOrDefault("runner.metrics.source") == "prometheus").ToList();
        Assert.True(summaries.Count == 6, string.Join("\n", _job.Lines().Where(l => l.ContainsKey("runner.trace.missed")).Select(l => l["runner.trace.missed"])));
        var last = summaries[^1];
        Assert.Equal(
            ("6", "115", "60", ((long)(2.5 * GiB)).ToString(CultureInfo.InvariantCulture), "1000000", "60000000000", "2", exporter.Url),
            (last["ci.run_id"], last["runner.cpu.seconds"], last["runner.cpu.busy_seconds"], last["runner.memory.peak_bytes"], last["runner.network.sent_bytes"], last["event.duration"], last["host.cpu.count"], last["runner.metrics.target"]));

        var result = await _job.IngestAsync([new ResourceSpikeDetector()]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(("performance.resource-spike", Categories.ResourceSpike, "6"), (finding.Rule, finding.Category, finding.Location.RunId));
        Assert.Equal("Step 'Test' of job 'build' (the runner's prometheus metrics) used 3.8× its usual CPU time", finding.Title);
        Assert.StartsWith("Step 'Test' of job 'build' (the runner's prometheus metrics) used 115 CPU-seconds of CPU time; its baseline is a median of 30 CPU-seconds", finding.Explanation);
        Assert.Equal(
            [("metric", "cpu"), ("observed", "115"), ("median", "30"), ("samples", "5"), ("metrics_source", "prometheus")],
            finding.Evidence.Where(e => e.Name is "metric" or "observed" or "median" or "samples" or "metrics_source").Select(e => (e.Name, e.Value)));
    }

    [Fact]
    public async Task A_normal_scrape_series_raises_nothing()
    {
        await using var exporter = new NodeExporterStandIn();
        double[] usual = [30, 32, 29, 31, 30, 33];
        for (var run = 0; run < usual.Length; run++)
        {
            exporter.NextRun(usual[run], memoryGiB: 2 + (run * 0.25), sentBytes: 1e6 + (run * 1e4));
            await _job.RunAsync("sleep 0.3\n", (run + 1).ToString(CultureInfo.InvariantCulture), scrape: exporter.Url);
        }

        Assert.Equal(6, _job.Lines().Count(l => l.GetValueOrDefault("runner.metrics.source") == "prometheus"));
        Assert.Empty((await _job.IngestAsync([new ResourceSpikeDetector()])).Findings);
    }

    [Fact]
    public async Task A_file_target_is_read_anew_at_each_scrape_and_cut_at_its_byte_bound()
    {
        var file = Path.Combine(_job.Folder, "node.prom");
        await File.WriteAllTextAsync(file, "node_time_seconds 1\n", TestContext.Current.CancellationToken);
        using var target = new ScrapeTarget(file, new ExpositionLimits { MaxBytes = 64 });

        var first = await target.ReadAsync(TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(file, "node_time_seconds 2\n" + new string('#', 100) + "\nafter_the_cut 1\n", TestContext.Current.CancellationToken);
        var second = await target.ReadAsync(TestContext.Current.CancellationToken);
        File.Delete(file);
        var third = await target.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["node_time_seconds 1"], first.Scrape!.Samples.Select(s => s.ToString()));
        Assert.Equal(["node_time_seconds 2"], second.Scrape!.Samples.Select(s => s.ToString()));
        Assert.Null(third.Scrape);
        Assert.StartsWith($"{file}: Could not find file", third.Problem);
    }

    public void Dispose() => _job.Dispose();

    private static Task<Exposition> ParseAsync(string text) => new ExpositionParser().ParseAsync(text, TestContext.Current.CancellationToken);

    // node_exporter's own lines for two CPUs (user, system, idle, iowait seconds), memory, two interfaces and one disk.
    internal static string Node(double time, (double User, double System, double Idle, double IoWait) cpu0, (double User, double System, double Idle, double IoWait) cpu1, double availableGiB, double eth0, double lo, double read, double written)
    {
        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var cpu = string.Concat(new[] { ("0", cpu0), ("1", cpu1) }.SelectMany(c => new[]
        {
            $"node_cpu_seconds_total{{cpu=\"{c.Item1}\",mode=\"idle\"}} {F(c.Item2.Idle)}\n",
            $"node_cpu_seconds_total{{cpu=\"{c.Item1}\",mode=\"iowait\"}} {F(c.Item2.IoWait)}\n",
            $"node_cpu_seconds_total{{cpu=\"{c.Item1}\",mode=\"system\"}} {F(c.Item2.System)}\n",
            $"node_cpu_seconds_total{{cpu=\"{c.Item1}\",mode=\"user\"}} {F(c.Item2.User)}\n",
        }));
        return
            "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\n" + cpu +
            "# HELP node_disk_read_bytes_total The total number of bytes read successfully.\n# TYPE node_disk_read_bytes_total counter\n" +
            $"node_disk_read_bytes_total{{device=\"sda\"}} {F(read)}\n" +
            "# HELP node_disk_written_bytes_total The total number of bytes written successfully.\n# TYPE node_disk_written_bytes_total counter\n" +
            $"node_disk_written_bytes_total{{device=\"sda\"}} {F(written)}\n" +
            "# HELP node_memory_MemAvailable_bytes Memory information field MemAvailable_bytes.\n# TYPE node_memory_MemAvailable_bytes gauge\n" +
            $"node_memory_MemAvailable_bytes {F(availableGiB * GiB)}\n" +
            "# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.\n# TYPE node_memory_MemTotal_bytes gauge\n" +
            $"node_memory_MemTotal_bytes {F(8 * GiB)}\n" +
            "# HELP node_network_transmit_bytes_total Network device statistic transmit_bytes.\n# TYPE node_network_transmit_bytes_total counter\n" +
            $"node_network_transmit_bytes_total{{device=\"eth0\"}} {F(eth0)}\n" +
            $"node_network_transmit_bytes_total{{device=\"lo\"}} {F(lo)}\n" +
            "# HELP node_time_seconds System time in seconds since epoch (1970).\n# TYPE node_time_seconds gauge\n" +
            $"node_time_seconds {F(time)}\n";
    }

    /// <summary>A node_exporter on loopback for a series of runs: a run's first scrape shows the host's counters as they stood, every later one the run's whole use a minute on (so the totals do not depend on how many scrapes the run got).</summary>
    private sealed class NodeExporterStandIn : IAsyncDisposable
    {
        private readonly LoopbackHttpServer _server;
        private readonly Lock _gate = new();
        private double _time = 1_795_000_000;
        private double _user = 5000;
        private double _sent = 1e9;
        private double _cpu;
        private double _memoryGiB;
        private double _runSent;
        private bool _started;

        public NodeExporterStandIn() => _server = new LoopbackHttpServer(_ => new HttpReply(200, Scrape(), ContentType: "text/plain; version=0.0.4; charset=utf-8"));

        public string Url => _server.Url + "/metrics";

        public void NextRun(double cpuSeconds, double memoryGiB, double sentBytes)
        {
            lock (_gate)
            {
                // The last run's use stays in the counters, as on a real host.
                _user += _cpu;
                _sent += _runSent;
                _time += 3600;
                (_cpu, _memoryGiB, _runSent, _started) = (cpuSeconds, memoryGiB, sentBytes, false);
            }
        }

        public ValueTask DisposeAsync() => _server.DisposeAsync();

        private string Scrape()
        {
            lock (_gate)
            {
                var later = _started;
                _started = true;
                var (time, user, memory, sent) = later ? (_time + 60, _user + _cpu, _memoryGiB, _sent + _runSent) : (_time, _user, 1.0, _sent);
                // The run's CPU is split over the two CPUs' user time.
                var half = (user - 5000) / 2;
                var idle = 9000 + ((time - 1_795_000_000) * 2);
                return Node(time, cpu0: (2500 + half, 100, idle, 1), cpu1: (2500 + half, 100, idle, 1), availableGiB: 8 - memory, eth0: sent, lo: 0, read: 0, written: 0);
            }
        }
    }
}
