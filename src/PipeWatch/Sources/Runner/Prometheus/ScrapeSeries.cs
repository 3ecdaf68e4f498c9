namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>Adds up a runner's resources over a series of node_exporter scrapes: CPU-seconds used, busy time, peak memory, bytes sent and disk I/O.</summary>
/// <remarks>
/// node_exporter's names: CPU used is the increase of <c>node_cpu_seconds_total</c> over every mode but <c>idle</c>, <c>iowait</c>
/// and <c>steal</c> (cores: its distinct <c>cpu</c> labels); memory is <c>node_memory_MemTotal_bytes</c> −
/// <c>node_memory_MemAvailable_bytes</c>, its peak over the scrapes; bytes sent the increase of
/// <c>node_network_transmit_bytes_total</c> over every device but <c>lo</c>; disk I/O the increases of
/// <c>node_disk_read_bytes_total</c> and <c>node_disk_written_bytes_total</c>. Increases are per series, as PromQL's
/// <c>increase</c> counts them: a counter that goes down was reset, and its new value is the increase. A scrape's time is its
/// <c>node_time_seconds</c>, else the time it was taken. Busy time is the time between scrapes in which CPU use reached 90% of
/// every core. Not thread-safe.
/// </remarks>
internal sealed class ScrapeSeries
{
    private static readonly string[] IdleModes = ["idle", "iowait", "steal"];

    private readonly Dictionary<string, double> _last = new(StringComparer.Ordinal);
    private double? _lastTime;

    /// <summary>Scrapes added.</summary>
    public int Scrapes { get; private set; }

    /// <summary>Unix seconds of the first and last scrape.</summary>
    public double? First { get; private set; }

    public double? Last => _lastTime;

    public int Cores { get; private set; }

    public double CpuSeconds { get; private set; }

    public double BusySeconds { get; private set; }

    /// <summary>Null when no scrape had both memory gauges.</summary>
    public double? PeakMemoryBytes { get; private set; }

    /// <summary>Null when no scrape had a network counter.</summary>
    public double? SentBytes { get; private set; }

    public double? ReadBytes { get; private set; }

    public double? WriteBytes { get; private set; }

    /// <summary>Adds one scrape, taken at <paramref name="takenAt"/> (Unix seconds) unless it carries <c>node_time_seconds</c>.</summary>
    public void Add(Exposition scrape, double takenAt)
    {
        var time = scrape.Named("node_time_seconds").Select(s => s.Value).Where(double.IsFinite).Cast<double?>().FirstOrDefault() ?? takenAt;
        var cpu = 0.0;
        var cores = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in scrape.Named("node_cpu_seconds_total"))
        {
            cores.Add(s.Label("cpu") ?? string.Empty);
            if (!IdleModes.Contains(s.Label("mode"))) cpu += Increase($"cpu\u001f{s.Label("cpu")}\u001f{s.Label("mode")}", s.Value);
        }

        var sent = Sum(scrape, "node_network_transmit_bytes_total", "net", "device", s => s.Label("device") != "lo");
        var read = Sum(scrape, "node_disk_read_bytes_total", "read", "device", _ => true);
        var written = Sum(scrape, "node_disk_written_bytes_total", "written", "device", _ => true);
        var total = scrape.Named("node_memory_MemTotal_bytes").Select(s => (double?)s.Value).FirstOrDefault();
        var available = scrape.Named("node_memory_MemAvailable_bytes").Select(s => (double?)s.Value).FirstOrDefault();

        if (Scrapes > 0)
        {
            // The first scrape is the baseline of every counter: only later increases count.
            CpuSeconds += cpu;
            if (sent is { } n) SentBytes = (SentBytes ?? 0) + n;
            if (read is { } r) ReadBytes = (ReadBytes ?? 0) + r;
            if (written is { } w) WriteBytes = (WriteBytes ?? 0) + w;
            if (_lastTime is { } last && time > last && cores.Count > 0 && cpu / (time - last) >= 0.9 * cores.Count) BusySeconds += time - last;
        }
        else
        {
            SentBytes ??= sent is null ? null : 0;
            ReadBytes ??= read is null ? null : 0;
            WriteBytes ??= written is null ? null : 0;
        }

        if (total is { } t && available is { } a && double.IsFinite(t - a)) PeakMemoryBytes = Math.Max(PeakMemoryBytes ?? 0, Math.Max(0, t - a));
        Cores = Math.Max(Cores, cores.Count);
        First ??= time;
        _lastTime = time;
        Scrapes++;
    }

    private double? Sum(Exposition scrape, string name, string key, string label, Func<MetricSample, bool> include)
    {
        double? sum = null;
        foreach (var s in scrape.Named(name))
        {
            if (include(s)) sum = (sum ?? 0) + Increase($"{key}\u001f{s.Label(label)}", s.Value);
        }

        return sum;
    }

    // The increase of one counter series since the last scrape (0 the first time it is seen; its value after a reset).
    private double Increase(string series, double value)
    {
        if (!double.IsFinite(value) || value < 0) return 0;
        var seen = _last.TryGetValue(series, out var previous);
        if (!seen && _last.Count >= 100_000) return 0;
        _last[series] = value;
        if (!seen) return 0;
        return value >= previous ? value - previous : value;
    }
}
