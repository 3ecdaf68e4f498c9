using System.Diagnostics;
using PipeWatch.Baselines;
using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Engine;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Bench;

/// <summary>Where the detection stage's time goes: each built-in detector, and the store's ledger, alone over events already parsed.</summary>
/// <remarks>
/// The events of the audit corpus are parsed into memory first; then each component runs over all of them on this thread,
/// timed by thread CPU: every detector with an in-memory baseline store (its own cost, baselines written once at the end),
/// and the ledger insert into a fresh SQLite store in batches of the engine's size. The sum is the detection stage's floor
/// when it runs on one thread; the largest single part is its floor when the parts run side by side.
/// </remarks>
internal static class DetectionCostBenchmark
{
    public static async Task<int> RunAsync(string root, long events, TextWriter output)
    {
        var corpus = AuditLogCorpus.Ensure(root, events, output);
        output.WriteLine($"suite: detection-cost (each part of the detection stage alone over {events:N0} parsed audit entries)");
        var parsed = new List<Event>();
        var problems = new ProblemLog();
        await foreach (var block in new JsonFileSource(corpus, PayloadFormats.All).ReadBlocksAsync(new SourceContext(problems), CancellationToken.None))
        {
            parsed.AddRange(block);
        }

        output.WriteLine($"parsed {parsed.Count:N0} events into memory");
        var rows = new List<(string Name, double Seconds, long Inspected, int Findings)>();
        // Warm-up on a prefix with throw-away instances, so JIT and tiering are not counted.
        var throwAway = BuiltInDetectors.Create(PipeWatchConfig.Default);
        foreach (var (detector, warm) in BuiltInDetectors.Create(PipeWatchConfig.Default).Zip(throwAway))
        {
            Run(warm, parsed.Take(20_000));
            var (seconds, inspected, findings) = Run(detector, parsed);
            rows.Add((detector.Info.Id, seconds, inspected, findings));
        }

        rows.Add(("(store) ledger insert, SQLite", Ledger(parsed), parsed.Count, 0));
        output.WriteLine();
        output.WriteLine($"{"part",-34} {"CPU s",7} {"events",10} {"ns/event",9} {"findings",9}");
        foreach (var row in rows.OrderByDescending(r => r.Seconds))
        {
            output.WriteLine($"{row.Name,-34} {row.Seconds,7:N2} {row.Inspected,10:N0} {(row.Inspected == 0 ? 0 : row.Seconds * 1e9 / row.Inspected),9:N0} {row.Findings,9:N0}");
        }

        output.WriteLine($"{"sum",-34} {rows.Sum(r => r.Seconds),7:N2}");
        output.WriteLine();
        output.WriteLine("the detection stage as the engine runs it, over the parsed events (no reading), on a fresh SQLite store:");
        await Stage(parsed, output);
        return 0;
    }

    /// <summary>The engine with every built-in detector over events already in memory, handed over in blocks of 2,000.</summary>
    private static async Task Stage(List<Event> events, TextWriter output)
    {
        var folder = Directory.CreateTempSubdirectory("pipewatch-bench-");
        try
        {
            using var store = SqliteStore.Open(Path.Combine(folder.FullName, "pipewatch.db"));
            var engine = new PipelineBuilder(store).WithDetectors(BuiltInDetectors.Create(PipeWatchConfig.Default)).WithProblems(new ProblemLog()).Build();
            var paused = GC.GetTotalPauseDuration();
            var gcs = GC.CollectionCount(0);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var summary = await engine.RunAsync([new ParsedSource(events)], progress: null, CancellationToken.None);
            output.WriteLine(
                $"  {summary.Events:N0} events, {summary.NewFindings:N0} findings in {clock.Elapsed.TotalSeconds:N2} s wall, " +
                $"{(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:N2} s CPU, {GC.CollectionCount(0) - gcs} GCs pausing {(GC.GetTotalPauseDuration() - paused).TotalSeconds:N2} s");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Hands over events already parsed, in blocks as a file source would.</summary>
    private sealed class ParsedSource(List<Event> events) : ISource
    {
        public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var e in events) yield return e;
            await Task.CompletedTask;
        }

        public async IAsyncEnumerable<Event[]> ReadBlocksAsync(SourceContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var start = 0; start < events.Count; start += 2_000)
            {
                yield return [.. events.Skip(start).Take(2_000)];
            }

            await Task.CompletedTask;
        }
    }

    private static (double Seconds, long Inspected, int Findings) Run(IDetector detector, IEnumerable<Event> events)
    {
        var findings = new List<Finding>();
        var baselines = new BaselineSet(detector.Info.Id, new MemoryBaselines());
        var context = new DetectionContext(baselines, TimeProvider.System, findings.Add);
        long inspected = 0;
        var kinds = detector.Info.Kinds;
        var cpu = ThreadCpu();
        foreach (var e in events)
        {
            if (!kinds.Contains(e.Kind)) continue;
            detector.Inspect(e, context);
            inspected++;
        }

        baselines.Flush();
        return (ThreadCpu() - cpu, inspected, findings.Count);
    }

    private static double Ledger(List<Event> events)
    {
        var folder = Directory.CreateTempSubdirectory("pipewatch-bench-");
        try
        {
            using var store = SqliteStore.Open(Path.Combine(folder.FullName, "pipewatch.db"));
            var cpu = ThreadCpu();
            for (var start = 0; start < events.Count; start += 100_000)
            {
                using var batch = store.BeginBatch();
                foreach (var e in events.Skip(start).Take(100_000))
                {
                    batch.TryRecordEvent(e.Id, e.TimestampMissing ? null : e.Timestamp);
                }

                batch.Commit();
            }

            return ThreadCpu() - cpu;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>CPU seconds of the calling thread (everything here runs on it).</summary>
    private static double ThreadCpu()
    {
        // /proc/thread-self/stat: utime and stime, fields 14 and 15, in clock ticks (100 a second on Linux).
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    private sealed class MemoryBaselines : IBaselineStorage
    {
        private readonly Dictionary<string, StoredBaseline> _stored = new(StringComparer.Ordinal);

        public StoredBaseline? LoadBaseline(string key) => _stored.TryGetValue(key, out var found) ? found : null;

        public void SaveBaseline(string key, byte version, byte[] data) => _stored[key] = new StoredBaseline(version, data);
    }
}
