using System.Threading.Channels;
using PipeWatch.Baselines;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sinks;
using PipeWatch.Sources;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>The event front of the engine: sources → bounded channel → detectors → the shared back half (filters, store, incidents, sinks).</summary>
/// <remarks>
/// Reading runs on its own task; detection and the store run on the caller's; each sink runs behind its own queue. A batch
/// (one store transaction: ledger, baselines, findings, incidents) opens on the first event after a commit and commits at its
/// size, or once it is <see cref="EngineOptions.MaxBatchAge"/> old whether or not more input comes, so an idle engine holds no
/// write transaction and a finding reaches the sinks within that age. Findings reach the sinks only once durable. Cancelling
/// commits what was processed. Runs without end when its source does (<c>serve</c>). Build it with <see cref="PipelineBuilder"/>.
/// </remarks>
public sealed class IngestEngine
{
    private readonly IStore _store;
    private readonly IReadOnlyList<IDetector> _detectors;
    private readonly FindingStage _findings;
    private readonly SinkFanOut _sinks;
    private readonly TimeProvider _time;
    private readonly IProblemReporter _problems;
    private readonly EngineOptions _options;

    internal IngestEngine(
        IStore store,
        IReadOnlyList<IDetector> detectors,
        FindingStage findings,
        SinkFanOut sinks,
        TimeProvider time,
        IProblemReporter problems,
        EngineOptions options)
    {
        _store = store;
        _detectors = detectors;
        _findings = findings;
        _sinks = sinks;
        _time = time;
        _problems = problems;
        _options = options;
    }

    /// <summary>The sinks, each behind its own queue, with what each delivered, failed and dropped.</summary>
    public IReadOnlyList<IsolatedSink> Sinks => _sinks.Sinks;

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
        foreach (var detector in _detectors)
        {
            var set = new BaselineSet(detector.Info.Id, storage, _options.BaselineCacheSize);
            baselineSets.Add(set);
            contexts[detector] = new DetectionContext(set, _time, _findings.Collect);
        }

        var routes = Routes(_detectors, contexts);
        var run = new Run(this, baselineSets, storage, counter);
        var cancelled = false;
        try
        {
            await run.ConsumeAsync(channel.Reader, routes, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        catch
        {
            // The store failed (or a sink's queue did): the open batch is lost with its transaction. The reading stops here, so no
            // reader is left taking events from the sources after the run has ended, and what was committed before still reaches
            // the sinks; the caller decides whether to run again.
            run.Abandon();
            await readCancellation.CancelAsync().ConfigureAwait(false);
            await reading.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            await _sinks.CompleteAsync().ConfigureAwait(false);
            throw;
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
        await run.CommitAsync().ConfigureAwait(false);
        await _sinks.CompleteAsync().ConfigureAwait(false);
        return counter.Summary(cancelled, _findings.Suppressed);
    }

    /// <summary>The detection side of one run: the open batch (if any), its age, and the loop that commits it by size or by time.</summary>
    private sealed class Run(IngestEngine engine, List<BaselineSet> baselineSets, BatchStorage storage, Counter counter)
    {
        private IStoreBatch? _batch;
        private LedgerEntry[] _ledgerEntries = [];
        private bool[] _isNew = [];
        private int _inBatch;
        private long _batchStarted;

        public async Task ConsumeAsync(ChannelReader<Event[]> reader, Route[][] routes, CancellationToken cancellationToken)
        {
            var time = engine._time;
            Task<bool>? waiting = null;
            while (true)
            {
                while (reader.TryRead(out var chunk))
                {
                    if (_batch is null) Open();
                    engine.Process(chunk, _batch!, routes, counter, ref _ledgerEntries, ref _isNew);

                    _inBatch += chunk.Length;
                    counter.ReportThrottled(time);
                    if (_inBatch >= engine._options.BatchSize || time.GetElapsedTime(_batchStarted) >= engine._options.MaxBatchAge)
                    {
                        await CommitAsync().ConfigureAwait(false);
                    }
                }

                waiting ??= reader.WaitToReadAsync(cancellationToken).AsTask();
                if (_batch is not null && !waiting.IsCompleted)
                {
                    // No input for now: the open batch commits at its age (or at once when the options say so: serve's latency), so an
                    // idle engine holds no write lock and its findings go out.
                    var remaining = engine._options.CommitWhenIdle ? TimeSpan.Zero : engine._options.MaxBatchAge - time.GetElapsedTime(_batchStarted);
                    if (remaining > TimeSpan.Zero)
                    {
                        using var timer = new CancellationTokenSource();
                        await Task.WhenAny(waiting, Task.Delay(remaining, time, timer.Token)).ConfigureAwait(false);
                        await timer.CancelAsync().ConfigureAwait(false);
                    }

                    if (!waiting.IsCompleted)
                    {
                        await CommitAsync().ConfigureAwait(false);
                        continue;
                    }
                }

                if (!await waiting.ConfigureAwait(false)) return;
                waiting = null;
            }
        }

        /// <summary>Commits the open batch, if any: baselines, findings and incidents in one transaction, then the alerts to the sinks.</summary>
        public async Task CommitAsync()
        {
            if (_batch is not { } batch) return;
            int emitted;
            using (batch)
            {
                foreach (var set in baselineSets)
                {
                    set.Flush();
                }

                emitted = await engine._findings.CommitAsync(batch).ConfigureAwait(false);
            }

            _batch = null;
            storage.Current = null;
            counter.NewFindings += emitted;
            counter.Report(committed: true);
        }

        /// <summary>Drops the open batch after a failure: its transaction is rolled back (or already gone with its connection).</summary>
        public void Abandon()
        {
            if (_batch is not { } batch) return;
            _batch = null;
            storage.Current = null;
            try
            {
                batch.Dispose();
            }
            catch (Exception ex) when (ex is StoreException or System.Data.Common.DbException or InvalidOperationException or IOException)
            {
                // The connection is broken: nothing more to roll back.
            }
        }

        private void Open()
        {
            _batch = engine._store.BeginBatch();
            storage.Current = _batch;
            _inBatch = 0;
            _batchStarted = engine._time.GetTimestamp();
        }
    }

    // One block read: the ledger records the whole block in one call (one round trip for a remote store), then each new event
    // goes through its detectors in order. The buffers are the run's, reused block after block.
    private void Process(Event[] block, IStoreBatch batch, Route[][] routes, Counter counter, ref LedgerEntry[] entries, ref bool[] isNew)
    {
        if (entries.Length < block.Length)
        {
            entries = new LedgerEntry[block.Length];
            isNew = new bool[block.Length];
        }

        for (var i = 0; i < block.Length; i++) entries[i] = new LedgerEntry(block[i].Id, block[i].TimestampMissing ? null : block[i].Timestamp);
        batch.RecordEvents(entries.AsSpan(0, block.Length), isNew.AsSpan(0, block.Length));
        counter.EventsRead += block.Length;
        for (var i = 0; i < block.Length; i++)
        {
            if (!isNew[i])
            {
                counter.Duplicates++;
                continue;
            }

            var e = block[i];
            foreach (var (detector, context) in routes[(int)e.Kind])
            {
                Inspect(detector, e, context, counter);
            }

            // One event's findings together: the back half weighs its signals (and the actor's across events).
            _findings.EndUnit();
        }
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

        public bool IsShared => Current?.IsShared ?? false;

        public void SaveShared(string key, byte version, byte[] data, byte[]? loaded, Func<byte[], byte[]>? merge)
        {
            if (Current is null) throw new InvalidOperationException("A baseline was written outside a batch.");
            Current.SaveShared(key, version, data, loaded, merge);
        }

        public StoredBaseline? LoadBaseline(string key) =>
            Current is null ? throw new InvalidOperationException("A baseline was read outside a batch.") : Current.LoadBaseline(key);

        public void SaveBaseline(string key, byte version, byte[] data)
        {
            if (Current is null) throw new InvalidOperationException("A baseline was written outside a batch.");
            Current.SaveBaseline(key, version, data);
        }
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

        public long NewFindings { get; set; }

        public int SourcesDone { get; set; }

        public int SourcesWithEvents { get; set; }

        public void AddBytes(long bytes) => Interlocked.Add(ref _bytes, bytes);

        private long _lastReport;

        public void Report(bool committed = false) => progress?.Report(new IngestProgress(Interlocked.Read(ref _bytes), EventsRead, NewFindings, committed));

        /// <summary>Reports at most ten times a second, for a live display.</summary>
        public void ReportThrottled(TimeProvider time)
        {
            if (progress is null) return;
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_lastReport, now) < TimeSpan.FromMilliseconds(100)) return;
            _lastReport = now;
            Report();
        }

        public IngestSummary Summary(bool cancelled, long suppressed) => new(
            SourcesDone, SourcesWithEvents, EventsRead, EventsRead - Duplicates, Duplicates, NewFindings, suppressed,
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

    /// <summary>
    /// Commits the open batch as soon as no input is waiting, instead of at its age: latency over throughput (<c>serve</c>). Under load
    /// input keeps coming, batches still grow (to their size or age), and each commit carries what arrived during the one before.
    /// </summary>
    public bool CommitWhenIdle { get; init; }

    /// <summary>Blocks of events (<see cref="ISource.ReadBlocksAsync"/>: up to 128 events from a file) buffered between reading and detection.</summary>
    public int ChannelCapacity { get; init; } = 8;

    /// <summary>Baselines each detector keeps in memory at most; past it the least recently used are written (when changed) and dropped.</summary>
    public int BaselineCacheSize { get; init; } = BaselineSet.DefaultCapacity;
}

/// <summary>Where a run is: bytes read, events seen, new findings.</summary>
/// <param name="Committed">
/// True when reported right after a commit: every one of <paramref name="Events"/> (in the order the sources gave them) is then
/// durable, so a source that hands over queued payloads (<c>serve</c>'s intake) may mark them processed.
/// </param>
public readonly record struct IngestProgress(long BytesRead, long Events, long NewFindings, bool Committed = false);

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
