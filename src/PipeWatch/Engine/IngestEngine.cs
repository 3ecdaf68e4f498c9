using System.Threading.Channels;
using PipeWatch.Alerting;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Baselines;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sources;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>The run loop: sources → bounded channel → detectors → filters → store (findings, incidents) → sinks, committed in batches.</summary>
/// <remarks>
/// Reading runs on its own task; detection, the store and the sinks run on the caller's. Each batch of events is one
/// store transaction (ledger, baselines, findings, incidents), so an interrupted run leaves the store as of the last commit, and
/// findings reach the sinks only once they are durable. Build it with <see cref="PipelineBuilder"/>.
/// </remarks>
public sealed class IngestEngine
{
    private readonly IStore _store;
    private readonly IReadOnlyList<IDetector> _detectors;
    private readonly IReadOnlyList<IFindingFilter> _filters;
    private readonly IncidentCorrelator _incidents;
    private readonly IReadOnlyList<IFindingSink> _sinks;
    private readonly TimeProvider _time;
    private readonly IProblemReporter _problems;
    private readonly EngineOptions _options;

    internal IngestEngine(
        IStore store,
        IReadOnlyList<IDetector> detectors,
        IReadOnlyList<IFindingFilter> filters,
        IncidentCorrelator incidents,
        IReadOnlyList<IFindingSink> sinks,
        TimeProvider time,
        IProblemReporter problems,
        EngineOptions options)
    {
        _store = store;
        _detectors = detectors;
        _filters = filters;
        _incidents = incidents;
        _sinks = sinks;
        _time = time;
        _problems = problems;
        _options = options;
    }

    /// <summary>Reads every source through every detector; returns counts. Cancellation commits what was processed and stops.</summary>
    public async Task<IngestSummary> RunAsync(IReadOnlyList<ISource> sources, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        var counter = new Counter(progress);
        var channel = Channel.CreateBounded<Event[]>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var readCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => ReadAllAsync(sources, channel.Writer, counter, readCancellation.Token), CancellationToken.None);

        var contexts = new Dictionary<IDetector, DetectionContext>();
        var baselineSets = new List<BaselineSet>();
        var storage = new BatchStorage();
        var pending = new List<Finding>();
        foreach (var detector in _detectors)
        {
            var set = new BaselineSet(detector.Info.Id, storage);
            baselineSets.Add(set);
            contexts[detector] = new DetectionContext(set, _time, pending.Add);
        }

        var routes = Routes(_detectors, contexts);

        var committed = new List<Finding>();
        var cancelled = false;
        var batch = _store.BeginBatch();
        storage.Current = batch;
        var inBatch = 0;
        var batchStarted = _time.GetTimestamp();
        try
        {
            await foreach (var chunk in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var e in chunk)
                {
                    Process(e, batch, routes, pending, committed, counter);
                }

                inBatch += chunk.Length;
                counter.ReportThrottled(_time);
                // A batch ends at its size, or at its age so findings reach the sinks promptly on a slow stream.
                if (inBatch >= _options.BatchSize || _time.GetElapsedTime(batchStarted) >= _options.MaxBatchAge)
                {
                    await CommitAsync(batch, baselineSets, committed, counter, cancellationToken).ConfigureAwait(false);
                    batch = _store.BeginBatch();
                    storage.Current = batch;
                    inBatch = 0;
                    batchStarted = _time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        await readCancellation.CancelAsync().ConfigureAwait(false);
        try
        {
            await reading.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }

        // Commit what was fully processed, even when cancelled: every event in the batch is complete.
        await CommitAsync(batch, baselineSets, committed, counter, CancellationToken.None).ConfigureAwait(false);
        foreach (var sink in _sinks)
        {
            await CallSinkAsync(sink, s => s.CompleteAsync(CancellationToken.None), counter).ConfigureAwait(false);
        }

        return counter.Summary(cancelled);
    }

    private void Process(
        Event e, IStoreBatch batch, Route[][] routes, List<Finding> pending, List<Finding> committed, Counter counter)
    {
        counter.EventsRead++;
        if (!batch.TryRecordEvent(e.Id, e.TimestampMissing ? null : e.Timestamp))
        {
            counter.Duplicates++;
            return;
        }

        foreach (var (detector, context) in routes[(int)e.Kind])
        {
            Inspect(detector, e, context, counter);
        }

        foreach (var finding in pending)
        {
            if (PassesFilters(finding) && batch.TryAddFinding(finding))
            {
                committed.Add(finding);
            }
            else
            {
                counter.Suppressed++;
            }
        }

        pending.Clear();
    }

    private async Task ReadAllAsync(IReadOnlyList<ISource> sources, ChannelWriter<Event[]> writer, Counter counter, CancellationToken cancellationToken)
    {
        try
        {
            var context = new SourceContext(new CountingReporter(_problems, counter), bytes => counter.AddBytes(bytes));
            foreach (var source in sources)
            {
                var before = counter.EventsParsed;
                try
                {
                    // Events cross to the detection stage by the block: one hand-off per event costs more than the event.
                    await foreach (var block in source.ReadBlocksAsync(context, cancellationToken).ConfigureAwait(false))
                    {
                        if (block.Length == 0) continue;
                        counter.EventsParsed += block.Length;
                        await writer.WriteAsync(block, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    context.Problems.Report(new Problem(SourceName(source), $"reading failed after {counter.EventsParsed - before} events: {ex.GetType().Name}: {ex.Message}"));
                }

                counter.SourcesDone++;
                if (counter.EventsParsed > before) counter.SourcesWithEvents++;
            }
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private void Inspect(IDetector detector, Event e, DetectionContext context, Counter counter)
    {
        try
        {
            detector.Inspect(e, context);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref counter.ProblemCount);
            _problems.Report(new Problem(e.Origin.File, $"detector {detector.Info.Id} failed on event {e.Id}: {ex.GetType().Name}: {ex.Message}", e.Origin.Line));
        }
    }

    private bool PassesFilters(Finding finding)
    {
        foreach (var filter in _filters)
        {
            if (!filter.ShouldEmit(finding)) return false;
        }

        return true;
    }

    private async Task CommitAsync(IStoreBatch batch, List<BaselineSet> baselineSets, List<Finding> committed, Counter counter, CancellationToken cancellationToken)
    {
        using (batch)
        {
            foreach (var set in baselineSets)
            {
                set.Flush();
            }

            // The one place findings join incidents: stored in this transaction, in time order so merges are deterministic.
            foreach (var finding in committed.OrderBy(f => f.Timestamp).ThenBy(f => f.Fingerprint, StringComparer.Ordinal))
            {
                _incidents.Assign(finding, batch);
            }

            batch.Commit();
        }

        counter.NewFindings += committed.Count;
        counter.Report();
        if (committed.Count == 0) return;
        var findings = committed.ToArray();
        committed.Clear();
        foreach (var sink in _sinks)
        {
            await CallSinkAsync(sink, s => s.EmitAsync(findings, cancellationToken), counter).ConfigureAwait(false);
        }
    }

    private async Task CallSinkAsync(IFindingSink sink, Func<IFindingSink, ValueTask<SinkResult>> call, Counter counter)
    {
        SinkResult result;
        try
        {
            result = await call(sink).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            result = SinkResult.Failed($"{ex.GetType().Name}: {ex.Message}");
        }

        if (!result.Succeeded)
        {
            Interlocked.Increment(ref counter.ProblemCount);
            _problems.Report(new Problem(sink.GetType().Name, $"sink failed: {result.Error}"));
        }
    }

    /// <summary>For each event kind, the detectors that inspect it with their contexts, in the order given.</summary>
    private static Route[][] Routes(IReadOnlyList<IDetector> detectors, Dictionary<IDetector, DetectionContext> contexts)
    {
        var routes = new Route[Enum.GetValues<EventKind>().Length][];
        for (var kind = 0; kind < routes.Length; kind++)
        {
            routes[kind] = [.. detectors.Where(d => d.Info.Kinds.Contains((EventKind)kind)).Select(d => new Route(d, contexts[d]))];
        }

        return routes;
    }

    private readonly record struct Route(IDetector Detector, DetectionContext Context);

    private static string SourceName(ISource source) => source is Sources.Files.JsonFileSource file ? file.Path : source.GetType().Name;

    /// <summary>Lets every <see cref="BaselineSet"/> reach whichever batch is current.</summary>
    private sealed class BatchStorage : IBaselineStorage
    {
        public IStoreBatch? Current { get; set; }

        public StoredBaseline? LoadBaseline(string key) => Current!.LoadBaseline(key);

        public void SaveBaseline(string key, byte version, byte[] data) => Current!.SaveBaseline(key, version, data);
    }

    private sealed class CountingReporter(IProblemReporter inner, Counter counter) : IProblemReporter
    {
        public void Report(Problem problem)
        {
            Interlocked.Increment(ref counter.ProblemCount);
            inner.Report(problem);
        }
    }

    /// <summary>Counts shared by the two stages; the reading side's fields are only written by the reading task.</summary>
    private sealed class Counter(IProgress<IngestProgress>? progress)
    {
        public int ProblemCount;
        private long _bytes;

        public long EventsParsed { get; set; }

        public long EventsRead { get; set; }

        public long Duplicates { get; set; }

        public long Suppressed { get; set; }

        public long NewFindings { get; set; }

        public int SourcesDone { get; set; }

        public int SourcesWithEvents { get; set; }

        public void AddBytes(long bytes) => Interlocked.Add(ref _bytes, bytes);

        private long _lastReport;

        public void Report() => progress?.Report(new IngestProgress(Interlocked.Read(ref _bytes), EventsRead, NewFindings));

        /// <summary>Reports at most ten times a second, for a live display.</summary>
        public void ReportThrottled(TimeProvider time)
        {
            if (progress is null) return;
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_lastReport, now) < TimeSpan.FromMilliseconds(100)) return;
            _lastReport = now;
            Report();
        }

        public IngestSummary Summary(bool cancelled) => new(
            SourcesDone, SourcesWithEvents, EventsRead, EventsRead - Duplicates, Duplicates, NewFindings, Suppressed,
            Volatile.Read(ref ProblemCount), Interlocked.Read(ref _bytes), cancelled);
    }
}

/// <summary>Tuning of the run loop.</summary>
public sealed record EngineOptions
{
    /// <summary>Events per store transaction at most: larger is faster (baselines are written once per batch), smaller loses less on a crash.</summary>
    public int BatchSize { get; init; } = 100_000;

    /// <summary>A batch is committed once it is this old, so findings reach the sinks promptly when input is slow.</summary>
    public TimeSpan MaxBatchAge { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Blocks of events (<see cref="ISource.ReadBlocksAsync"/>: up to 128 events from a file) buffered between reading and detection.</summary>
    public int ChannelCapacity { get; init; } = 8;
}

/// <summary>Where a run is: bytes read, events seen, new findings.</summary>
public readonly record struct IngestProgress(long BytesRead, long Events, long NewFindings);

/// <summary>What a run did.</summary>
/// <param name="Sources">Inputs read (files).</param>
/// <param name="SourcesWithEvents">Inputs that yielded at least one event.</param>
/// <param name="Events">Events read.</param>
/// <param name="NewEvents">Events not ingested before.</param>
/// <param name="Duplicates">Events skipped because the ledger had them.</param>
/// <param name="NewFindings">Findings stored and emitted for the first time.</param>
/// <param name="Suppressed">Findings dropped by an allowlist or already stored.</param>
/// <param name="Problems">Bad inputs and failures reported.</param>
/// <param name="BytesRead">Input bytes consumed.</param>
/// <param name="Cancelled">True when the run stopped early.</param>
public sealed record IngestSummary(
    int Sources,
    int SourcesWithEvents,
    long Events,
    long NewEvents,
    long Duplicates,
    long NewFindings,
    long Suppressed,
    int Problems,
    long BytesRead,
    bool Cancelled);
