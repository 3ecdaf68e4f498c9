using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PipeWatch.Sources.Git;

namespace PipeWatch.Engine;

/// <summary>Where a scan's CPU time went (<c>scan --profile</c>): reading the history, preparing commits, each detector, the back half.</summary>
/// <remarks>
/// Thread CPU time (<c>CLOCK_THREAD_CPUTIME_ID</c>) is taken around each part as the engine runs it, so parts on worker threads add
/// up across threads. Thread-safe: preparation is timed on several workers at once. Off unless given to <see cref="ScanOptions.Profile"/>.
/// </remarks>
public sealed class ScanProfile
{
    private const string Reading = "read: git log output parsed into commits";
    private const string Findings = "findings: risk scoring, filters, store, sinks";
    private readonly Lock _gate = new();
    private readonly List<string> _names = [];
    private long[] _ticks = [];
    private long[] _calls = [];
    private long _blobs, _blobBytes, _blobWaitTicks;

    /// <summary>Every part timed, in the order the engine met them, then the process's total and what git's processes cost.</summary>
    public IReadOnlyList<ScanProfilePart> Parts()
    {
        var parts = new List<ScanProfilePart>();
        lock (_gate)
        {
            for (var i = 0; i < _names.Count; i++)
            {
                parts.Add(new ScanProfilePart(_names[i], TimeSpan.FromTicks(Interlocked.Read(ref _ticks[i])), Interlocked.Read(ref _calls[i])));
            }
        }

        var own = Process.GetCurrentProcess().TotalProcessorTime;
        var timed = TimeSpan.FromTicks(parts.Sum(p => p.Cpu.Ticks));
        parts.Add(new ScanProfilePart("other: start-up, JIT, GC, hand-offs (this process, untimed)", own > timed ? own - timed : TimeSpan.Zero, 0));
        parts.Add(new ScanProfilePart(
            string.Create(CultureInfo.InvariantCulture, $"blobs read: {Interlocked.Read(ref _blobs):N0}, {Interlocked.Read(ref _blobBytes) / 1e6:N1} MB (wall time waiting for git cat-file)"),
            TimeSpan.FromTicks(Interlocked.Read(ref _blobWaitTicks)),
            Interlocked.Read(ref _blobs)));
        // Informational: a collection runs on the thread that allocated, so its time is already inside the parts above.
        parts.Add(new ScanProfilePart(
            string.Create(CultureInfo.InvariantCulture, $"gc: {GC.CollectionCount(0):N0}/{GC.CollectionCount(1):N0}/{GC.CollectionCount(2):N0} collections (gen0/1/2), {GC.GetTotalAllocatedBytes() / 1e6:N0} MB allocated (pause time, inside the parts above)"),
            GC.GetTotalPauseDuration(),
            GC.CollectionCount(0)));
        // Informational too: the JIT runs on the thread that first calls a method (tier 0) or on a background thread (tier 1), so
        // its time is inside the parts above and "other"; ReadyToRun code needs none until a hot method is compiled again.
        parts.Add(new ScanProfilePart(
            string.Create(CultureInfo.InvariantCulture, $"jit: {System.Runtime.JitInfo.GetCompiledMethodCount():N0} methods compiled at run time (time spent, inside the parts above)"),
            System.Runtime.JitInfo.GetCompilationTime(),
            System.Runtime.JitInfo.GetCompiledMethodCount()));
        if (ChildrenCpu() is { } children) parts.Add(new ScanProfilePart("git: log and cat-file processes (children waited for)", children, 0));
        return parts;
    }

    /// <summary>The process's CPU time so far, this process and its children waited for.</summary>
    public TimeSpan ProcessCpu => Process.GetCurrentProcess().TotalProcessorTime + (ChildrenCpu() ?? TimeSpan.Zero);

    internal int Part(string name)
    {
        lock (_gate)
        {
            var index = _names.IndexOf(name);
            if (index >= 0) return index;
            _names.Add(name);
            Array.Resize(ref _ticks, _names.Count);
            Array.Resize(ref _calls, _names.Count);
            return _names.Count - 1;
        }
    }

    internal int ReadingPart => Part(Reading);

    internal int FindingsPart => Part(Findings);

    /// <summary>Sets a count of work (no CPU of its own: that is in the parts that did it), shown with the parts.</summary>
    internal void SetCount(string name, long count)
    {
        var part = Part(name);
        Interlocked.Exchange(ref _calls[part], count);
    }

    /// <summary>Adds the thread CPU time since <paramref name="started"/> (a <see cref="ThreadCpu"/> reading) to a part.</summary>
    internal void Add(int part, long started)
    {
        var elapsed = ThreadCpu() - started;
        Interlocked.Add(ref _ticks[part], elapsed);
        Interlocked.Increment(ref _calls[part]);
    }

    /// <summary>The blob reader the detectors get: the same one, counted.</summary>
    internal IBlobReader Count(IBlobReader blobs) => new CountingBlobReader(blobs, this);

    /// <summary>This thread's CPU time in ticks (clock_gettime(CLOCK_THREAD_CPUTIME_ID) on Linux, else the process's).</summary>
    internal static long ThreadCpu()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var time) == 0) return (time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / 100);
        return Process.GetCurrentProcess().TotalProcessorTime.Ticks;
    }

    // cutime + cstime of /proc/self/stat: the git processes this one started and waited for.
    private static TimeSpan? ChildrenCpu()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private const int ClockThreadCpuTime = 3;

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private sealed class CountingBlobReader(IBlobReader inner, ScanProfile profile) : IBatchBlobReader
    {
        public string? ReadText(string blobId)
        {
            var started = Stopwatch.GetTimestamp();
            var text = inner.ReadText(blobId);
            Counted(started, [text]);
            return text;
        }

        public string?[] ReadMany(IReadOnlyList<string> blobIds)
        {
            var started = Stopwatch.GetTimestamp();
            var texts = inner is IBatchBlobReader batch ? batch.ReadMany(blobIds) : [.. blobIds.Select(inner.ReadText)];
            Counted(started, texts);
            return texts;
        }

        private void Counted(long started, string?[] texts)
        {
            Interlocked.Add(ref profile._blobWaitTicks, Stopwatch.GetElapsedTime(started).Ticks);
            Interlocked.Add(ref profile._blobs, texts.Length);
            Interlocked.Add(ref profile._blobBytes, texts.Sum(t => (long)(t?.Length ?? 0)));
        }
    }
}

/// <summary>One part of a profiled scan: its name, the CPU time spent in it and how often it ran.</summary>
public sealed record ScanProfilePart(string Name, TimeSpan Cpu, long Calls);
