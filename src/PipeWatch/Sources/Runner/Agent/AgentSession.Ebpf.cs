using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The eBPF collector: bpftrace (<see cref="BpftraceProgram"/>) watching the tree in the kernel, read by <see cref="BpftraceParser"/>.</summary>
public sealed partial class AgentSession
{
    /// <summary>What the eBPF collector cannot see, always said in its summary.</summary>
    internal const string EbpfMisses = "ebpf: each argument is cut at 200 bytes and argv at 32 entries; a DNS question is read from the first buffer of a send (200 bytes; writev is not read), an answer from its first 1000 bytes; UDP bytes sent with writev are not counted";

    // The command waits behind a FIFO until bpftrace's probes are loaded, so nothing it does is missed, and so that when bpftrace
    // cannot load (auto) the command has not run yet and strace can take over.
    private const string Gate = "read _ < \"$0\"; exec \"$@\"";

    /// <summary>Runs the command (or watches the attached process) under bpftrace; null when bpftrace could not load and <paramref name="fallback"/> allows another collector.</summary>
    private async Task<(int Exit, List<string> Notes)?> RunEbpfAsync(JobTrace trace, ResourceMeter meter, string cwd, bool fallback, CancellationToken stop)
    {
        var dir = Directory.CreateTempSubdirectory("pipewatch-agent-");
        Process? launcher = null;
        try
        {
            var script = Path.Combine(dir.FullName, "agent.bt");
            await File.WriteAllTextAsync(script, BpftraceProgram.Text, CancellationToken.None).ConfigureAwait(false);
            var gate = Path.Combine(dir.FullName, "gate");
            int root;
            if (_options.AttachPid is { } target)
            {
                root = target;
            }
            else
            {
                using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo") { ArgumentList = { "-m", "600", gate }, UseShellExecute = false })!)
                {
                    await mkfifo.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    if (mkfifo.ExitCode != 0) throw new AgentException($"cannot make a FIFO in {dir.FullName}");
                }

                var start = new ProcessStartInfo("sh") { UseShellExecute = false, WorkingDirectory = cwd };
                foreach (var arg in new[] { "-c", Gate, gate }.Concat(_options.Command)) start.ArgumentList.Add(arg);
                launcher = Process.Start(start)!;
                root = launcher.Id;
            }

            var begin = new ProcessStartInfo(_options.Bpftrace) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
            foreach (var arg in BpftraceProgram.Arguments(script, root)) begin.ArgumentList.Add(arg);
            foreach (var (name, value) in BpftraceProgram.Environment()) begin.Environment[name] = value;
            // nsecs is CLOCK_MONOTONIC, as Stopwatch is on Linux: the offset turns kernel times into Unix times.
            var offset = Seconds(_time.GetUtcNow()) - Monotonic();
            var parser = new BpftraceParser(offset);
            lock (_gate) parser.Live.Add(root);
            using var bpftrace = Process.Start(begin) ?? throw new AgentException($"cannot start '{_options.Bpftrace}'");
            var errors = ReadErrorsAsync(bpftrace.StandardError);
            var began = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var reading = Task.Run(() => ReadBpftraceAsync(bpftrace.StandardOutput, parser, trace, meter, began));
            if (!await began.Task.ConfigureAwait(false))
            {
                await bpftrace.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                var reason = (await errors.ConfigureAwait(false)) ?? $"bpftrace exited with {bpftrace.ExitCode}";
                if (launcher is not null && !launcher.HasExited) launcher.Kill();
                if (fallback) return null;
                throw new AgentException($"bpftrace cannot trace here: {reason}");
            }

            _options.Watching?.Invoke();
            if (launcher is not null)
            {
                // Let the command start: the launcher's read returns at the end of the FIFO.
                await using var open = new FileStream(gate, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }

            using var sampling = new CancellationTokenSource();
            var sampler = SampleLoopAsync(root, null, meter, sampling.Token);
            // Until the command (or, attached, the watch) ends and no process of the tree is left; a process whose end was
            // not seen (a lost event) is let go when /proc no longer has it.
            while (true)
            {
                var done = launcher is not null ? launcher.HasExited : stop.IsCancellationRequested || Remaining(parser) == 0;
                if (done && (stop.IsCancellationRequested || Remaining(parser) == 0)) break;
                if (bpftrace.HasExited) break;
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), launcher is null ? stop : CancellationToken.None).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopped: the loop ends.
                }
            }

            if (!bpftrace.HasExited) await SignalAsync(bpftrace.Id, "INT").ConfigureAwait(false);
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                try
                {
                    await bpftrace.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    bpftrace.Kill();
                }
            }

            await reading.ConfigureAwait(false);
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            lock (_gate)
            {
                foreach (var e in parser.Finish()) trace.Apply(e, meter);
            }

            var notes = new List<string> { EbpfMisses };
            if (parser.Lost > 0) notes.Add($"bpftrace lost {parser.Lost} events (its buffers overflowed)");
            if (parser.Unreadable > 0) notes.Add($"{parser.Unreadable} bpftrace lines could not be read (the first: {parser.FirstUnreadable})");
            if (launcher is not null)
            {
                await launcher.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                return (launcher.ExitCode, notes);
            }

            return (0, notes);
        }
        finally
        {
            launcher?.Dispose();
            dir.Delete(recursive: true);
        }
    }

    private async Task ReadBpftraceAsync(StreamReader output, BpftraceParser parser, JobTrace trace, ResourceMeter meter, TaskCompletionSource<bool> began)
    {
        // The start marker is handed on at once: the command waits for it.
        await LineBatches.ReadAsync(output, BatchRecords, line => !began.Task.IsCompleted && line.Contains("\"B ", StringComparison.Ordinal), async (batch, idle) =>
        {
            // Bounded: bpftrace's lines are at most a few strings of 200 bytes; anything longer is not one of ours.
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Length > 16_384) batch[i] = batch[i][..16_384];
            }

            await ApplyBpftraceAsync(batch, parser, trace, meter, idle, all: false).ConfigureAwait(false);
            if (!began.Task.IsCompleted && parser.Began) began.TrySetResult(true);
        }).ConfigureAwait(false);

        await ApplyBpftraceAsync([], parser, trace, meter, idle: true, all: true).ConfigureAwait(false);
        began.TrySetResult(false);
    }

    private async Task ApplyBpftraceAsync(List<string> lines, BpftraceParser parser, JobTrace trace, ResourceMeter meter, bool idle, bool all)
    {
        lock (_gate)
        {
            foreach (var line in lines) parser.Add(line);
            // Idle (nothing more to read now), records older than the window by the clock are in order too.
            foreach (var e in parser.Release(idle ? Monotonic() : 0, all)) trace.Apply(e, meter);
        }

        lines.Clear();
        await FlushAsync().ConfigureAwait(false);
    }

    // The tree's processes still running; those /proc no longer has are let go.
    private int Remaining(BpftraceParser parser)
    {
        lock (_gate)
        {
            parser.Live.RemoveWhere(pid => !Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"));
            return parser.Live.Count;
        }
    }

    // bpftrace's first error line (its RLIMIT_MEMLOCK notice is not one: kernels since 5.11 account BPF memory otherwise).
    private static async Task<string?> ReadErrorsAsync(StreamReader error)
    {
        string? first = null;
        var read = 0;
        while (await error.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (read++ > 1000) continue;
            if (first is null && line.Contains("ERROR", StringComparison.Ordinal) && !line.Contains("RLIMIT_MEMLOCK", StringComparison.Ordinal)) first = line.Trim();
        }

        return first is { Length: > 300 } ? first[..300] : first;
    }

    private static double Monotonic() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
}
