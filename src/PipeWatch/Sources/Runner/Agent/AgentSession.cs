using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Threading.Channels;
using PipeWatch.Events;
using PipeWatch.Sources.Runner.Prometheus;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Runs one command under watch (<c>pipewatch agent -- COMMAND…</c>): traces it with eBPF (bpftrace) or strace, or polls /proc without either, and writes its records to the outputs.</summary>
/// <remarks>
/// Three loops: the trace reader (strace's lines from a FIFO, or the /proc poller), the resource sampler, and the writer that
/// batches records to every output. The first two share the job's state under one lock. The command's stdin, stdout and stderr
/// are the agent's; its exit code is the result's. One session per command; not reusable.
/// </remarks>
public sealed partial class AgentSession
{
    private const int BatchRecords = 500;

    private static readonly string Version =
        typeof(AgentSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly AgentOptions _options;
    private readonly IReadOnlyList<IAgentOutput> _outputs;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<AgentRecord> _pending = [];
    private readonly Channel<AgentRecord> _records = Channel.CreateBounded<AgentRecord>(new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ProcSampler _proc = new();
    private readonly string _session = Guid.NewGuid().ToString("N")[..16];
    private long _sequence;
    private int _written;

    private AgentSession(AgentOptions options, IReadOnlyList<IAgentOutput> outputs, TimeProvider time)
    {
        _options = options;
        _outputs = outputs;
        _time = time;
    }

    /// <summary>Runs the command under watch until it ends, and returns its exit code with what was collected; with <see cref="AgentOptions.AttachPid"/>, watches that process until <paramref name="cancellationToken"/> is cancelled (exit code 0).</summary>
    /// <exception cref="AgentException">The command cannot be started, or strace was required and cannot trace here.</exception>
    public static Task<AgentResult> RunAsync(AgentOptions options, IReadOnlyList<IAgentOutput> outputs, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outputs);
        if (options.Command.Count == 0 && options.AttachPid is null) throw new AgentException("no command to run");
        return new AgentSession(options, outputs, time ?? TimeProvider.System).RunAsync(cancellationToken);
    }

    private async Task<AgentResult> RunAsync(CancellationToken cancellationToken)
    {
        // Writers drain everything, even after a stop: the stop token ends the watch, not the writing.
        var writer = Task.Run(() => WriteLoopAsync(CancellationToken.None), CancellationToken.None);
        // auto: eBPF first where bpftrace can load (it records what strace does, DNS included, without stopping the job), strace
        // where it cannot, /proc last.
        var ebpf = _options.Mode is AgentMode.Ebpf or AgentMode.Auto
            ? await BpftraceProgram.ProbeAsync(_options.Bpftrace, cancellationToken).ConfigureAwait(false)
            : (Works: false, Reason: null);
        var probe = _options.Mode switch
        {
            AgentMode.Proc => (Works: false, Seccomp: false, Reason: "--mode proc"),
            AgentMode.Ebpf => (Works: false, Seccomp: false, Reason: (string?)null),
            AgentMode.Auto when ebpf.Works => (Works: false, Seccomp: false, Reason: (string?)null),
            _ => await StraceCommand.ProbeAsync(_options.Strace, cancellationToken).ConfigureAwait(false),
        };
        if (!ebpf.Works && _options.Mode == AgentMode.Ebpf) throw new AgentException($"bpftrace cannot trace here: {ebpf.Reason}");
        if (!probe.Works && _options.Mode == AgentMode.Strace) throw new AgentException($"strace cannot trace here: {probe.Reason}");

        var cwd = _options.WorkingDirectory ?? Directory.GetCurrentDirectory();
        var meter = new ResourceMeter(Environment.ProcessorCount);
        var trace = new JobTrace(Emit, _proc, cwd);
        var started = _time.GetUtcNow();
        var parser = new StraceParser();
        if (_options.AttachPid is { } target)
        {
            if (_proc.Describe(target) is not { } described) throw new AgentException($"no process {target} to watch");
            lock (_gate) trace.Observed(target, 0, Seconds(started), described.Executable, described.Argv, described.Cwd);
        }

        using var scrapeTarget = _options.Scrape is { } scrapeAt ? new ScrapeTarget(scrapeAt) : null;
        var scrapes = scrapeTarget is null ? null : new ScrapeLoop(scrapeTarget, _options.SampleInterval, _time);
        using var scrapeStop = new CancellationTokenSource();
        var scraping = scrapes is null ? Task.CompletedTask : Task.Run(() => scrapes.RunAsync(scrapeStop.Token), CancellationToken.None);
        var collector = ebpf.Works ? "ebpf" : probe.Works ? "strace" : "proc";
        var bpf = ebpf.Works ? await RunEbpfAsync(trace, meter, cwd, fallback: _options.Mode == AgentMode.Auto, cancellationToken).ConfigureAwait(false) : null;
        if (ebpf.Works && bpf is null)
        {
            // bpftrace could not load (auto): nothing of the command ran yet; strace instead, else /proc.
            probe = await StraceCommand.ProbeAsync(_options.Strace, cancellationToken).ConfigureAwait(false);
            collector = probe.Works ? "strace" : "proc";
        }

        if (collector != "strace" && collector != "ebpf") _options.Watching?.Invoke();
        var exit = bpf is { } ran ? ran.Exit
            : probe.Works ? await RunTracedAsync(probe.Seccomp, parser, trace, meter, cwd, cancellationToken).ConfigureAwait(false)
            : await RunPolledAsync(trace, meter, cwd, cancellationToken).ConfigureAwait(false);
        var ended = _time.GetUtcNow();
        await scrapeStop.CancelAsync().ConfigureAwait(false);
        await scraping.ConfigureAwait(false);

        var notes = new List<string>();
        if (scrapes is not null && scrapes.Series.Scrapes < 2) notes.Add($"no host metrics: {scrapes.Series.Scrapes} of the scrapes of {scrapeTarget!.Display} could be read (the first problem: {scrapes.FirstProblem ?? "none"})");
        else if (scrapes is { Failed: > 0 }) notes.Add($"{scrapes.Failed} scrapes of {scrapeTarget!.Display} failed (the first: {scrapes.FirstProblem})");
        if (collector == "proc") notes.Add($"no tracer ({probe.Reason}): processes and connections shorter than {_options.PollInterval.TotalMilliseconds:0} ms are missed, and so are DNS questions and bytes sent");
        if (bpf is { } b) notes.AddRange(b.Notes);
        if (parser.Unreadable > 0) notes.Add($"{parser.Unreadable} strace lines could not be read (the first: {parser.FirstUnreadable})");
        if (_options.AttachPid is not null) notes.Add("processes already running when the watch began were not seen starting");
        var missed = notes.Count == 0 ? null : string.Join("; ", notes);
        lock (_gate)
        {
            // Lines strace printed for a new pid while the fork or clone that made it was still unfinished at the end.
            foreach (var e in parser.Flush()) trace.Apply(e, meter);
            trace.Finish(Seconds(ended));
            Emit(Summary(trace, meter, started, ended, exit, collector, missed));
            if (scrapes is { Series.Scrapes: >= 2 }) Emit(HostSummary(scrapes.Series, scrapeTarget!.Display, exit));
        }

        await FlushAsync().ConfigureAwait(false);
        _records.Writer.Complete();
        var problems = await writer.ConfigureAwait(false);
        return new AgentResult(exit, collector, missed, _written, problems);
    }

    private async Task<int> RunTracedAsync(bool seccomp, StraceParser parser, JobTrace trace, ResourceMeter meter, string cwd, CancellationToken stop)
    {
        var dir = Directory.CreateTempSubdirectory("pipewatch-agent-");
        try
        {
            var fifo = Path.Combine(dir.FullName, "trace");
            using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo") { ArgumentList = { "-m", "600", fifo }, UseShellExecute = false })!)
            {
                await mkfifo.WaitForExitAsync().ConfigureAwait(false);
                if (mkfifo.ExitCode != 0) throw new AgentException($"cannot make a FIFO in {dir.FullName}");
            }

            var start = new ProcessStartInfo(_options.Strace) { UseShellExecute = false, WorkingDirectory = cwd };
            foreach (var arg in StraceCommand.Arguments(fifo, seccomp, _options.MaxStringBytes, _options.Command, _options.AttachPid)) start.ArgumentList.Add(arg);
            var opened = 0;
            var reading = Task.Run(async () =>
            {
                await using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                Interlocked.Exchange(ref opened, 1);
                using var reader = new StreamReader(stream);
                // Lines are taken in batches: one lock and one flush per batch, not per line.
                await LineBatches.ReadAsync(reader, BatchRecords, _ => false, (batch, _) => ApplyAsync(batch, parser, trace, meter)).ConfigureAwait(false);
            });

            using var strace = Process.Start(start) ?? throw new AgentException($"cannot start '{_options.Strace}'");
            using var sampling = new CancellationTokenSource();
            var sampler = _options.AttachPid is { } target ? SampleLoopAsync(target, null, meter, sampling.Token) : SampleLoopAsync(strace.Id, strace.Id, meter, sampling.Token);
            if (_options.AttachPid is not null)
            {
                // Attached: until told to stop (or the process ends); then SIGINT makes strace detach and exit.
                await Task.WhenAny(strace.WaitForExitAsync(CancellationToken.None), Task.Delay(Timeout.Infinite, stop)).ConfigureAwait(false);
                if (!strace.HasExited) await SignalAsync(strace.Id, "INT").ConfigureAwait(false);
            }

            await strace.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref opened, 1, 1) == 0)
            {
                // strace ended without opening its output: open the writing end once, so the reader's open returns and it sees the end.
                await using var release = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }

            await reading.ConfigureAwait(false);
            return _options.AttachPid is null ? strace.ExitCode : 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private async Task ApplyAsync(List<string> lines, StraceParser parser, JobTrace trace, ResourceMeter meter)
    {
        lock (_gate)
        {
            foreach (var line in lines)
            {
                foreach (var e in parser.Parse(line)) trace.Apply(e, meter);
            }
        }

        lines.Clear();
        await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>True once strace is attached to <paramref name="pid"/> (its TracerPid is set): <c>agent start</c> waits for it.</summary>
    public static bool IsTraced(int pid) =>
        File.Exists($"/proc/{pid}/status") && File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("TracerPid:", StringComparison.Ordinal)) is { } line
        && line["TracerPid:".Length..].Trim() is { } tracer && tracer != "0";

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }

    private async Task SampleLoopAsync(int root, int? exclude, ResourceMeter meter, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.SampleInterval, _time);
        try
        {
            do
            {
                var samples = _proc.Sample(root, exclude);
                lock (_gate) meter.Add(samples, Seconds(_time.GetUtcNow()));
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The command ended.
        }
    }

    private async Task<int> RunPolledAsync(JobTrace trace, ResourceMeter meter, string cwd, CancellationToken stop)
    {
        if (_options.AttachPid is { } target)
        {
            await PollAsync(target, trace, meter, Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false);
            return 0;
        }

        var start = new ProcessStartInfo(_options.Command[0]) { UseShellExecute = false, WorkingDirectory = cwd };
        foreach (var arg in _options.Command.Skip(1)) start.ArgumentList.Add(arg);
        Process child;
        try
        {
            child = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new AgentException($"cannot run '{_options.Command[0]}': {ex.Message}");
        }

        using (child)
        {
            await PollAsync(child.Id, trace, meter, child.WaitForExitAsync()).ConfigureAwait(false);
            return child.ExitCode;
        }
    }

    private async Task PollAsync(int root, JobTrace trace, ResourceMeter meter, Task exited)
    {
        var alive = new Dictionary<int, string?>();
        var sockets = new HashSet<(int, long)>();
        var lastSample = double.NegativeInfinity;
        while (true)
        {
            var now = Seconds(_time.GetUtcNow());
            var samples = _proc.Sample(root);
            lock (_gate)
            {
                Poll(trace, samples, alive, sockets, now);
                if (now - lastSample >= _options.SampleInterval.TotalSeconds)
                {
                    meter.Add(samples, now);
                    lastSample = now;
                }
            }

            await FlushAsync().ConfigureAwait(false);
            if (exited.IsCompleted) break;
            await Task.WhenAny(exited, Task.Delay(_options.PollInterval, _time)).ConfigureAwait(false);
        }
    }

    // alive: each process seen, with its program's name in stat when last seen.
    private void Poll(JobTrace trace, List<ProcessSample> samples, Dictionary<int, string?> alive, HashSet<(int, long)> sockets, double now)
    {
        var current = samples.Select(s => s.Pid).ToHashSet();
        foreach (var gone in alive.Keys.Where(p => !current.Contains(p)).ToList())
        {
            trace.Apply(new ExitEvent(gone, now, null, null));
            alive.Remove(gone);
        }

        foreach (var s in samples)
        {
            if (!alive.TryGetValue(s.Pid, out var program))
            {
                alive[s.Pid] = s.Program;
                if (_proc.Describe(s.Pid) is { } seen) trace.Observed(s.Pid, s.ParentPid, now, seen.Executable, seen.Argv, seen.Cwd);
            }
            else if (s.Program != program)
            {
                // Another program since it was seen (exec): most often a child first seen between its fork and its exec, which
                // showed its parent's program (under load that gap lasts a poll or more).
                alive[s.Pid] = s.Program;
                if (_proc.Describe(s.Pid) is { } ran) trace.ObservedExec(s.Pid, now, ran.Executable, ran.Argv);
            }

            var fresh = _proc.Sockets(s.Pid).Where(inode => !sockets.Contains((s.Pid, inode))).ToList();
            if (fresh.Count == 0) continue;
            var connections = _proc.Connections(s.Pid);
            foreach (var inode in fresh)
            {
                if (!connections.TryGetValue(inode, out var c)) continue;
                sockets.Add((s.Pid, inode));
                trace.Apply(new ConnectEvent(s.Pid, now, c.Protocol, c.Ip, c.Port, c.V6, null));
            }
        }
    }

    private AgentRecord Summary(JobTrace trace, ResourceMeter meter, DateTimeOffset started, DateTimeOffset ended, int exit, string mode, string? missed) =>
        new AgentRecord()
            .Set(AgentFields.Category, "host")
            .Set(AgentFields.Type, "info")
            .Set(AgentFields.Action, AgentFields.ResourceSummaryAction)
            .Set(AgentFields.Outcome, exit == 0 ? "success" : "failure")
            .Set(EventFields.Timestamp, ended)
            .Set(AgentFields.Start, started)
            .Set(AgentFields.End, ended)
            .Set(AgentFields.Duration, (long)((ended - started).Ticks * 100))
            .Set(AgentFields.CommandLine, _options.Command.Count > 0 ? JobTrace.CommandLine(_options.Command) : null)
            .Set(AgentFields.Pid, _options.AttachPid)
            .Set(AgentFields.ExitCode, exit)
            .Set(AgentFields.CpuSeconds, meter.CpuSeconds)
            .Set(AgentFields.CpuBusySeconds, meter.BusySeconds)
            .Set(AgentFields.PeakMemoryBytes, meter.PeakMemoryBytes)
            .Set(AgentFields.ReadBytes, meter.ReadBytes)
            .Set(AgentFields.WriteBytes, meter.WriteBytes)
            .Set(AgentFields.SentBytes, mode is "strace" or "ebpf" ? trace.SentBytes : null)
            .Set(AgentFields.TopDestination, trace.TopDestination?.Endpoint)
            .Set(AgentFields.TopDestinationBytes, trace.TopDestination?.Bytes)
            .Set(AgentFields.Connections, trace.ConnectionCount)
            .Set(AgentFields.Processes, trace.ProcessCount)
            .Set(AgentFields.HostCpus, meter.Cores)
            .Set(AgentFields.TraceMode, mode)
            .Set(AgentFields.TraceMissed, missed);

    // The runner's own metrics over the run, from its exporter: the same resource summary, marked with its source (the detector keeps their baselines apart).
    private AgentRecord HostSummary(ScrapeSeries series, string target, int exit) =>
        new AgentRecord()
            .Set(AgentFields.Category, "host")
            .Set(AgentFields.Type, "info")
            .Set(AgentFields.Action, AgentFields.ResourceSummaryAction)
            .Set(AgentFields.Outcome, exit == 0 ? "success" : "failure")
            .Set(EventFields.Timestamp, DateTimeOffset.UnixEpoch.AddSeconds(series.Last!.Value))
            .Set(AgentFields.Start, DateTimeOffset.UnixEpoch.AddSeconds(series.First!.Value))
            .Set(AgentFields.End, DateTimeOffset.UnixEpoch.AddSeconds(series.Last!.Value))
            .Set(AgentFields.Duration, (long)Math.Round((series.Last!.Value - series.First!.Value) * 1e9))
            .Set(AgentFields.CommandLine, _options.Command.Count > 0 ? JobTrace.CommandLine(_options.Command) : null)
            .Set(AgentFields.CpuSeconds, series.CpuSeconds)
            .Set(AgentFields.CpuBusySeconds, series.BusySeconds)
            .Set(AgentFields.PeakMemoryBytes, series.PeakMemoryBytes is { } memory ? (long)memory : null)
            .Set(AgentFields.ReadBytes, series.ReadBytes is { } read ? (long)read : null)
            .Set(AgentFields.WriteBytes, series.WriteBytes is { } written ? (long)written : null)
            .Set(AgentFields.SentBytes, series.SentBytes is { } sent ? (long)sent : null)
            .Set(AgentFields.HostCpus, series.Cores)
            .Set(AgentFields.MetricsSource, AgentFields.PrometheusSource)
            .Set(AgentFields.MetricsTarget, target)
            .Set(AgentFields.MetricsScrapes, series.Scrapes);

    // Called under the lock: adds the fields every line shares and queues the record.
    private void Emit(AgentRecord record)
    {
        var ci = _options.Ci;
        record.Set(AgentFields.AgentType, AgentFields.AgentTypeValue)
            .Set(AgentFields.AgentVersion, Version)
            .Set(AgentFields.EventId, $"{_session}-{(++_sequence).ToString(CultureInfo.InvariantCulture)}")
            .Set(AgentFields.HostName, Environment.MachineName)
            .Set(AgentFields.HostOs, "linux")
            .Set(EventFields.Platform, ci.Platform)
            .Set(EventFields.Repository, ci.Repository)
            .Set(EventFields.Pipeline, ci.Pipeline)
            .Set(EventFields.RunId, ci.RunId)
            .Set(EventFields.RunAttempt, ci.RunAttempt)
            .Set(EventFields.Job, ci.Job)
            .Set(EventFields.Step, _options.Step)
            .Set(EventFields.Branch, ci.Branch)
            .Set(EventFields.Commit, ci.Commit)
            .Set(EventFields.UserName, ci.Actor);
        _pending.Add(record);
    }

    private async Task FlushAsync()
    {
        List<AgentRecord> ready;
        lock (_gate)
        {
            if (_pending.Count == 0) return;
            ready = [.. _pending];
            _pending.Clear();
        }

        foreach (var record in ready) await _records.Writer.WriteAsync(record).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> WriteLoopAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var batch = new List<byte[]>(BatchRecords);
        var reader = _records.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (batch.Count < BatchRecords && reader.TryRead(out var record)) batch.Add(record.ToJsonLine());
            foreach (var output in _outputs)
            {
                if (await output.WriteAsync(batch, cancellationToken).ConfigureAwait(false) is { } problem && !problems.Contains(problem)) problems.Add(problem);
            }

            _written += batch.Count;
            batch.Clear();
        }

        return problems;
    }

    private static double Seconds(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
}

/// <summary>The agent cannot watch the command: it cannot be started, or a required tracer cannot run.</summary>
public sealed class AgentException(string message) : Exception(message);
