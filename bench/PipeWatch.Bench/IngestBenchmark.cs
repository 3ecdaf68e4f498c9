using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Baselines;
using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Bench;

/// <summary>Ingest of a JSON Lines file of workflow_job payloads, timed against parsing the same file with System.Text.Json alone.</summary>
/// <remarks>
/// Whole-process and single-shot: every stage first runs on a small prefix (JIT, tiering), then once over the whole file,
/// in the order raw parse, source only, whole pipeline. The file is read through once beforehand so every stage finds
/// it in the page cache. With <c>breakdown</c>, the pipeline is also run without detectors and without a real store.
/// </remarks>
internal sealed class IngestBenchmark
{
    /// <summary>The issue's targets: the pipeline within this factor of the raw parse ...</summary>
    public const double TargetRatio = 2.0;

    /// <summary>... and at least this many events per second on one core.</summary>
    public const double TargetEventsPerSecond = 100_000;

    private const int ChunkSize = 1 << 20;

    private readonly string _corpus;
    private readonly string _warmup;
    private readonly bool _breakdown;
    private readonly TextWriter _out;
    private readonly Yardstick _yardstick;

    /// <param name="yardstick">What the verdict holds the whole pipeline against (both ratios are printed either way).</param>
    public IngestBenchmark(string corpus, string warmup, bool breakdown, TextWriter output, Yardstick yardstick = Yardstick.RawParse)
    {
        _corpus = corpus;
        _warmup = warmup;
        _breakdown = breakdown;
        _out = output;
        _yardstick = yardstick;
    }

    /// <summary>The baseline of an issue's target.</summary>
    public enum Yardstick
    {
        /// <summary>Issue 2: "the raw cost of parsing the same file with System.Text.Json alone", stage (a).</summary>
        RawParse,

        /// <summary>Issue 6: "through all of these detectors, as a ratio against parsing alone": the same events parsed, no detectors, no store, stage (b).</summary>
        SourceAlone,
    }

    public async Task<int> RunAsync()
    {
        var bytes = new FileInfo(_corpus).Length;
        _out.WriteLine($"warm-up: every stage over {Path.GetFileName(_warmup)} ...");
        foreach (var stage in Stages())
        {
            await stage.Run(_warmup);
        }

        var cache = Stopwatch.StartNew();
        var lines = ReadThrough(_corpus);
        _out.WriteLine($"page cache: read {bytes / 1e6:N0} MB, {lines:N0} lines in {cache.Elapsed.TotalSeconds:N1} s");
        _out.WriteLine();

        var results = new List<Result>();
        foreach (var stage in Stages())
        {
            Collect();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var pausedBefore = GC.GetTotalPauseDuration();
            var clock = Stopwatch.StartNew();
            var outcome = await stage.Run(_corpus);
            clock.Stop();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var collections = $"{GC.CollectionCount(0) - gcBefore.Item1}/{GC.CollectionCount(1) - gcBefore.Item2}/{GC.CollectionCount(2) - gcBefore.Item3} " +
                $"{(GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds:N2}";
            var result = new Result(stage.Name, clock.Elapsed.TotalSeconds, cpu.TotalSeconds, outcome, collections);
            results.Add(result);
            _out.WriteLine($"  done: {stage.Name} in {result.Seconds:N2} s");
        }

        Print(results, bytes);
        return 0;
    }

    private IEnumerable<Stage> Stages()
    {
        yield return new Stage("(a) raw JsonDocument.Parse", RawAsync);
        yield return new Stage("(b) source only", SourceOnlyAsync);
        yield return new Stage("(c) whole pipeline", path => PipelineAsync(path, BuiltInDetectors.Create(PipeWatchConfig.Default), sqlite: true));
        if (!_breakdown) yield break;
        yield return new Stage("(c1) pipeline, no detectors", path => PipelineAsync(path, [], sqlite: true));
        yield return new Stage("(c2) pipeline, memory store", path => PipelineAsync(path, BuiltInDetectors.Create(PipeWatchConfig.Default), sqlite: false));
        yield return new Stage("(c3) no detectors, memory store", path => PipelineAsync(path, [], sqlite: false));
    }

    /// <summary>System.Text.Json alone: the file split into lines exactly as the source does, each line parsed and disposed.</summary>
    private static Task<Outcome> RawAsync(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[ChunkSize];
        var filled = 0;
        long documents = 0;
        var endOfFile = false;
        while (!endOfFile)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var read = stream.Read(buffer, filled, buffer.Length - filled);
            endOfFile = read == 0;
            filled += read;
            var consumed = 0;
            while (true)
            {
                var newline = buffer.AsSpan(consumed, filled - consumed).IndexOf((byte)'\n');
                var lineEnd = newline >= 0 ? consumed + newline : endOfFile && consumed < filled ? filled : -1;
                if (lineEnd < 0) break;
                if (lineEnd > consumed)
                {
                    using var document = JsonDocument.Parse(buffer.AsMemory(consumed, lineEnd - consumed));
                    documents++;
                }

                consumed = Math.Min(lineEnd + 1, filled);
            }

            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
        }

        return Task.FromResult(new Outcome(documents, 0, 0));
    }

    /// <summary>The production source: parsing and mapping to events, no detectors, no store, one thread.</summary>
    private static async Task<Outcome> SourceOnlyAsync(string path)
    {
        var problems = new ProblemLog();
        var source = new JsonFileSource(path, PayloadFormats.All);
        long events = 0;
        // By the block, as the engine takes them.
        await foreach (var block in source.ReadBlocksAsync(new SourceContext(problems), CancellationToken.None))
        {
            events += block.Length;
        }

        return new Outcome(events, 0, problems.Problems.Count);
    }

    /// <summary>The production pipeline as the CLI builds it, on a fresh store, without sinks.</summary>
    private static async Task<Outcome> PipelineAsync(string path, IReadOnlyList<IDetector> detectors, bool sqlite)
    {
        var folder = Directory.CreateTempSubdirectory("pipewatch-bench-");
        try
        {
            var problems = new ProblemLog();
            using IStore store = sqlite ? SqliteStore.Open(Path.Combine(folder.FullName, "pipewatch.db")) : new MemoryStore();
            var engine = new PipelineBuilder(store).WithDetectors(detectors).WithProblems(problems).Build();
            var summary = await engine.RunAsync(InputFiles.Sources([path]), progress: null, CancellationToken.None);
            return new Outcome(summary.Events, summary.NewFindings, summary.Problems);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Reads the whole file once so that no stage pays for the disk.</summary>
    private static long ReadThrough(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[ChunkSize];
        long lines = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return lines;
    }

    private static void Collect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private void Print(List<Result> results, long bytes)
    {
        var raw = results[0];
        var pipeline = results[2];
        _out.WriteLine();
        _out.WriteLine($"{"stage",-34} {"seconds",8} {"events/s",10} {"MB/s",7} {"CPU s",7} {"events/CPU-s",12} {"× raw",6} {"findings",9} {"GC 0/1/2 paused s",18}");
        foreach (var r in results)
        {
            _out.WriteLine(
                $"{r.Name,-34} {r.Seconds,8:N2} {r.Outcome.Events / r.Seconds,10:N0} {bytes / 1e6 / r.Seconds,7:N0} {r.CpuSeconds,7:N2} " +
                $"{r.Outcome.Events / r.CpuSeconds,12:N0} {r.Seconds / raw.Seconds,6:N2} {(r == raw || r == results[1] ? "" : r.Outcome.Findings.ToString("N0")),9} {r.Collections,18}");
        }

        _out.WriteLine();
        var problems = results.Where(r => r.Outcome.Problems > 0).ToList();
        foreach (var r in problems)
        {
            _out.WriteLine($"warning: {r.Name} reported {r.Outcome.Problems:N0} problems");
        }

        var mismatch = results.Where(r => r.Outcome.Events != raw.Outcome.Events).ToList();
        foreach (var r in mismatch)
        {
            _out.WriteLine($"warning: {r.Name} saw {r.Outcome.Events:N0} events, the raw parse {raw.Outcome.Events:N0} documents");
        }

        var ratio = pipeline.Seconds / raw.Seconds;
        var perSecond = pipeline.Outcome.Events / pipeline.Seconds;
        var perCpuSecond = pipeline.Outcome.Events / pipeline.CpuSeconds;
        _out.WriteLine(
            $"pipeline: {pipeline.Outcome.Events:N0} events, {pipeline.Outcome.Findings:N0} findings, CPU {pipeline.CpuSeconds:N2} s " +
            $"over {pipeline.Seconds:N2} s wall ({pipeline.CpuSeconds / pipeline.Seconds:N2} cores busy), {perCpuSecond:N0} events per CPU-second");
        var source = results[1];
        var againstSource = pipeline.Seconds / source.Seconds;
        _out.WriteLine(
            $"against the source alone (reading and parsing into events, no detectors, no store): {againstSource:N2}x; " +
            $"against the raw parse: {ratio:N2}x (the source alone is {source.Seconds / raw.Seconds:N2}x the raw parse)");
        var (name, measured) = _yardstick == Yardstick.SourceAlone ? ("the source alone", againstSource) : ("the raw parse", ratio);
        _out.WriteLine(
            $"verdict: {measured:N2}x {name} {(measured <= TargetRatio ? "MEETS" : "MISSES")} the <= {TargetRatio:N1}x target; " +
            $"{perCpuSecond:N0} events per CPU-second {(perCpuSecond >= TargetEventsPerSecond ? "MEETS" : "MISSES")} the >= {TargetEventsPerSecond:N0} events/s on one core target " +
            $"({perSecond:N0} events/s wall)");
    }

    private sealed record Stage(string Name, Func<string, Task<Outcome>> Run);

    private readonly record struct Outcome(long Events, long Findings, int Problems);

    /// <param name="Collections">Garbage collections during the stage, by generation, and the seconds they paused the program: "gen0/gen1/gen2 seconds".</param>
    private sealed record Result(string Name, double Seconds, double CpuSeconds, Outcome Outcome, string Collections);

    /// <summary>A store in memory: the ledger as a set of hashes, baselines and findings kept by key; isolates SQLite's cost.</summary>
    private sealed class MemoryStore : IStore
    {
        private readonly HashSet<ulong> _ledger = [];
        private readonly Dictionary<string, StoredBaseline> _baselines = new(StringComparer.Ordinal);
        private readonly HashSet<string> _fingerprints = new(StringComparer.Ordinal);

        public IStoreBatch BeginBatch() => new Batch(this);

        public IReadOnlyList<Finding> QueryFindings(FindingQuery query) => [];

        public IReadOnlyList<Incident> QueryIncidents(IncidentQuery query) => [];

        // The benchmark measures ingest; nothing reads this store while it runs.
        public IStoreReader OpenReader() => throw new NotSupportedException("the benchmark's in-memory store has no read side");

        public void Dispose()
        {
        }

        private sealed class Batch(MemoryStore store) : IStoreBatch
        {
            public bool TryRecordEvent(string eventId, DateTimeOffset? occurred) => store._ledger.Add(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(eventId)));

            public bool TryAddFinding(Finding finding) => store._fingerprints.Add(finding.Fingerprint);

            public StoredBaseline? LoadBaseline(string key) => store._baselines.TryGetValue(key, out var found) ? found : null;

            public void SaveBaseline(string key, byte version, byte[] data) => store._baselines[key] = new StoredBaseline(version, data);

            // Incidents are not what this benchmark measures: every finding stays on its own.
            public IReadOnlyList<string> FindLinkedIncidents(CorrelationKeys keys, DateTimeOffset from, DateTimeOffset to) => [];

            public void AddToIncident(string incidentId, Finding finding, CorrelationKeys keys)
            {
            }

            public void MergeIncidents(string from, string into)
            {
            }

            public void Commit()
            {
            }

            public void Dispose()
            {
            }
        }
    }
}
