namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Adds up what a job's processes used, from /proc samples and the CPU times the kernel reports when a child ends.</summary>
/// <remarks>
/// A process's CPU is the largest of its sampled cumulative time and the time SIGCHLD reported at its end, so processes shorter
/// than the sampling interval still count when the tracer sees their end. Memory is the peak of the tree's summed RSS over samples.
/// Not thread-safe: the session serializes calls.
/// </remarks>
internal sealed class ResourceMeter
{
    private readonly Dictionary<int, double> _cpu = [];
    private readonly Dictionary<int, (long Read, long Write)> _io = [];
    private double? _lastTime;
    private double _lastTotal;

    public ResourceMeter(int cores) => Cores = Math.Max(1, cores);

    public int Cores { get; }

    public double CpuSeconds => _cpu.Values.Sum();

    public long PeakMemoryBytes { get; private set; }

    public long ReadBytes => _io.Values.Sum(v => v.Read);

    public long WriteBytes => _io.Values.Sum(v => v.Write);

    /// <summary>Seconds during which the tree kept at least 90% of every core busy.</summary>
    public double BusySeconds { get; private set; }

    public int Samples { get; private set; }

    public void Add(IReadOnlyList<ProcessSample> samples, double time)
    {
        Samples++;
        PeakMemoryBytes = Math.Max(PeakMemoryBytes, samples.Sum(s => s.RssBytes));
        foreach (var s in samples)
        {
            _cpu[s.Pid] = Math.Max(_cpu.GetValueOrDefault(s.Pid), s.CpuSeconds);
            _io[s.Pid] = s.ReadBytes > 0 || s.WriteBytes > 0 ? (s.ReadBytes, s.WriteBytes) : _io.GetValueOrDefault(s.Pid);
        }

        var total = CpuSeconds;
        if (_lastTime is { } last && time > last && (total - _lastTotal) / (time - last) >= 0.9 * Cores)
        {
            BusySeconds += time - last;
        }

        _lastTime = time;
        _lastTotal = total;
    }

    public void ChildEnded(int pid, double cpuSeconds) => _cpu[pid] = Math.Max(_cpu.GetValueOrDefault(pid), cpuSeconds);
}
