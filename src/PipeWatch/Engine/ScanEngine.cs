using System.Diagnostics;
using System.Threading.Channels;
using PipeWatch.Baselines;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sources.Git;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>
/// The commit front of the engine (<c>pipewatch scan</c>): commits from a source, oldest first → detectors' preparation on worker
/// threads → every detector on one thread, in commit order → the shared back half (filters, store when given, incidents, sinks).
/// </summary>
/// <remarks>
/// Reading runs on its own thread; each commit's <see cref="ICommitPreparer.Prepare"/> calls start on the thread pool as soon as
/// it is read (a chunk of commits per task), at most <see cref="ScanOptions.Lookahead"/> commits ahead of the detectors, which then consume the results in order.
/// Unlike ingest, every finding of the range reaches the sinks on every run (a gate must fail again on a leak it saw before);
/// a store, when given, keeps findings once per fingerprint and the detectors' baselines.
/// </remarks>
public sealed class ScanEngine
{
    private readonly IReadOnlyList<ICommitDetector> _detectors;
    private readonly FindingStage _findings;
    private readonly SinkFanOut _sinks;
    private readonly IStore? _store;
    private readonly TimeProvider _time;
    private readonly IProblemReporter _problems;
    private readonly ScanOptions _options;

    internal ScanEngine(
        IReadOnlyList<ICommitDetector> detectors,
        FindingStage findings,
        SinkFanOut sinks,
        IStore? store,
        TimeProvider time,
        IProblemReporter problems,
        ScanOptions options)
    {
        _detectors = detectors;
        _findings = findings;
        _sinks = sinks;
        _store = store;
        _time = time;
        _problems = problems;
        _options = options;
    }

    /// <summary>The commit detectors of this scan, in the order they see each commit.</summary>
    public IReadOnlyList<ICommitDetector> Detectors => _detectors;

    public async Task<ScanSummary> RunAsync(ICommitSource source, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var started = Stopwatch.GetTimestamp();
        var channel = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.Lookahead)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var profile = _options.Profile;
        // Read ahead in batches by the preparation workers (see ScanBlobDemand), then held while a later commit may ask again.
        var cached = new CachedBlobReader(profile?.Count(source.Blobs) ?? source.Blobs);
        IBlobReader blobs = cached;
        var inspectParts = profile is null ? [] : _detectors.Select(d => profile.Part("inspect: " + d.Info.Id)).ToArray();
        // Commits are read ahead no further than the whole files (dependency files, CI definitions) their preparation holds allow.
        var ahead = new ReadAheadBudget(_options.WholeBlobsAhead);
        var reading = Task.Factory.StartNew(() => Read(source, cached, ahead, channel.Writer, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var storage = new ScanStorage(_store);
        var sets = _detectors.Select(a => new BaselineSet(a.Info.Id, storage)).ToArray();
        var commitFindings = new List<Finding>();
        long commits = 0, learned = 0, findings = 0;
        var cancelled = false;
        var lastFlush = Stopwatch.GetTimestamp();
        var lastProgress = 0L;
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var prepared = (await item.Chunk.ConfigureAwait(false))[item.Index];
                for (var a = 0; a < _detectors.Count; a++)
                {
                    var context = new CommitContext(source.Repository, blobs, new DetectionContext(sets[a], _time, commitFindings.Add), item.LearnOnly)
                    {
                        FirstSightings = item.FirstSightings,
                        Prepared = prepared[a],
                    };
                    var cpu = profile is null ? 0 : ScanProfile.ThreadCpu();
                    Inspect(_detectors[a], item.Commit, context);
                    profile?.Add(inspectParts[a], cpu);
                }

                // One commit's findings together: the back half weighs its signals (and the actor's across commits).
                var findingsCpu = profile is null ? 0 : ScanProfile.ThreadCpu();
                _findings.AcceptUnit(commitFindings);

                commitFindings.Clear();
                ahead.Release(item.WholeBlobs);
                if (item.LearnOnly) learned++;
                else commits++;

                var pending = _findings.Pending;
                if (pending >= 1000 || (pending > 0 && Stopwatch.GetElapsedTime(lastFlush) > TimeSpan.FromSeconds(2))
                    || ++storage.CommitsSinceFlush >= _options.StoreBatchCommits)
                {
                    findings += await FlushAsync(sets, storage).ConfigureAwait(false);
                    lastFlush = Stopwatch.GetTimestamp();
                }

                if (profile is not null) profile.Add(profile.FindingsPart, findingsCpu);

                if (progress is not null && Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromMilliseconds(100))
                {
                    lastProgress = Stopwatch.GetTimestamp();
                    progress.Report(new ScanProgress(commits + learned, source.BytesRead, findings + _findings.Pending));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await reading.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }

        findings += await FlushAsync(sets, storage).ConfigureAwait(false);
        foreach (var (name, count) in _detectors.OfType<IWorkCounts>().SelectMany(d => d.WorkCounts).Concat(ScanBlobDemand.WorkCounts(cached))) profile?.SetCount(name, count);
        progress?.Report(new ScanProgress(commits + learned, source.BytesRead, findings));
        await _sinks.CompleteAsync().ConfigureAwait(false);
        return new ScanSummary(commits, learned, findings, _findings.Suppressed, source.BytesRead, Stopwatch.GetElapsedTime(started), cancelled);
    }

    // The reading thread: commits in order, which of their blobs are new, and their preparation started on the pool.
    private void Read(ICommitSource source, CachedBlobReader blobs, ReadAheadBudget ahead, ChannelWriter<Pending> writer, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var preparers = _detectors.Select(a => a as ICommitPreparer).ToArray();
        var profile = _options.Profile;
        var prepareParts = profile is null ? [] : _detectors.Select(d => profile.Part("prepare: " + d.Info.Id)).ToArray();

        // At most Workers preparations at once, whatever the thread pool's size.
        var workers = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, Math.Max(1, _options.Workers)).ConcurrentScheduler;
        var chunk = new List<(GitCommit Commit, bool LearnOnly, bool[] Sightings, int WholeBlobs)>();
        long chunkText = 0;
        try
        {
            foreach (var (commit, learnOnly) in Timed(source.Read(cancellationToken), profile))
            {
                var sightings = new bool[commit.Files.Count];
                for (var i = 0; i < sightings.Length; i++)
                {
                    // Blobs of learned-from commits do not count: content the range brings back is scanned.
                    var blob = commit.Files[i].NewBlob;
                    sightings[i] = blob is null || learnOnly || seen.Add(blob);
                }

                chunk.Add((commit, learnOnly, sightings, ScanBlobDemand.Count(commit)));
                chunkText += commit.Files.Sum(f => f.Added.Count);
                if (chunk.Count >= _options.ChunkCommits || chunkText >= _options.ChunkLines)
                {
                    if (!Submit(chunk, preparers, prepareParts, workers, blobs, ahead, writer, cancellationToken)) return;
                    chunk = [];
                    chunkText = 0;
                }
            }

            if (chunk.Count > 0 && !Submit(chunk, preparers, prepareParts, workers, blobs, ahead, writer, cancellationToken)) return;
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
        }
    }

    // Commits are prepared a chunk at a time: one task per chunk, not per commit, keeps the hand-offs few.
    private bool Submit(
        List<(GitCommit Commit, bool LearnOnly, bool[] Sightings, int WholeBlobs)> chunk, ICommitPreparer?[] preparers, int[] parts, TaskScheduler workers,
        CachedBlobReader blobs, ReadAheadBudget ahead, ChannelWriter<Pending> writer, CancellationToken cancellationToken)
    {
        if (!ahead.Take(chunk.Sum(c => c.WholeBlobs), cancellationToken)) return false;

        // Even with no detector that prepares, the chunk's blobs are read ahead here (ScanBlobDemand).
        object?[][] PrepareAll()
        {
            // Oldest first: each new version is rebuilt from the one before it and the diff where it can be (CachedBlobReader.PrefetchChanges).
            var demand = new List<GitFileChange>();
            var others = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in chunk) ScanBlobDemand.AddChanges(c.Commit, demand, others);
            if (demand.Count > 0 || others.Count > 0) Prefetch(blobs, demand, others);
            object?[][] results = [.. chunk.Select(c => Prepare(preparers, parts, c.Commit, c.Sightings, c.LearnOnly, blobs))];
            // The lockfile versions a later one replaced were read by this preparation: held on, they would only be copied from
            // GC generation to generation until the cache's bound pushed them out.
            if (demand.Count > 0) blobs.Forget(ScanBlobDemand.Superseded(demand));
            return results;
        }

        var prepared = _options.Workers > 1
            ? Task.Factory.StartNew(PrepareAll, CancellationToken.None, TaskCreationOptions.None, workers)
            : Task.FromResult(PrepareAll());

        for (var i = 0; i < chunk.Count; i++)
        {
            var item = new Pending(chunk[i].Commit, chunk[i].LearnOnly, chunk[i].Sightings, prepared, i, chunk[i].WholeBlobs);
            while (!writer.TryWrite(item))
            {
                if (!writer.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult()) return false;
            }
        }

        return true;
    }

    private void Prefetch(CachedBlobReader blobs, IReadOnlyList<GitFileChange> ids, IReadOnlyCollection<string> others)
    {
        var cpu = _options.Profile is null ? 0 : ScanProfile.ThreadCpu();
        try
        {
            if (ids.Count > 0) blobs.PrefetchChanges(ids);
            if (others.Count > 0) blobs.Prefetch(others);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or GitException or System.ComponentModel.Win32Exception)
        {
            // Not read ahead: each blob is read when a detector asks, and a failure is reported there.
        }

        if (_options.Profile is { } profile) profile.Add(profile.Part("prepare: blobs read ahead"), cpu);
    }

    private object?[] Prepare(ICommitPreparer?[] preparers, int[] parts, GitCommit commit, bool[] sightings, bool learnOnly, IBlobReader blobs)
    {
        var profile = _options.Profile;
        var results = new object?[preparers.Length];
        for (var i = 0; i < preparers.Length; i++)
        {
            if (preparers[i] is not { } preparer) continue;
            var cpu = profile is null ? 0 : ScanProfile.ThreadCpu();
            try
            {
                results[i] = preparer.Prepare(commit, sightings, learnOnly, blobs);
                profile?.Add(parts[i], cpu);
            }
            catch (Exception)
            {
                // Left unprepared: Inspect prepares again on its own thread and reports the failure there.
                results[i] = null;
            }
        }

        return results;
    }

    // The source's commits, with the reading thread's CPU time spent producing each one counted when profiling.
    private static IEnumerable<SourcedCommit> Timed(IEnumerable<SourcedCommit> commits, ScanProfile? profile)
    {
        if (profile is null)
        {
            foreach (var commit in commits) yield return commit;
            yield break;
        }

        var part = profile.ReadingPart;
        using var reader = commits.GetEnumerator();
        while (true)
        {
            var cpu = ScanProfile.ThreadCpu();
            var more = reader.MoveNext();
            profile.Add(part, cpu);
            if (!more) yield break;
            yield return reader.Current;
        }
    }

    private void Inspect(ICommitDetector detector, GitCommit commit, CommitContext context)
    {
        try
        {
            detector.Inspect(commit, context);
        }
        catch (Exception ex)
        {
            _problems.Report(new Problem(commit.Sha, $"detector {detector.Info.Id} failed on commit {commit.Sha}: {ex.GetType().Name}: {ex.Message}"));
        }
    }

    // Saves baselines (and findings, incidents) to the store when there is one, then hands the findings to the sinks.
    private async Task<long> FlushAsync(BaselineSet[] sets, ScanStorage storage)
    {
        storage.CommitsSinceFlush = 0;
        if (_store is null)
        {
            foreach (var set in sets) set.Flush();
            return await _findings.CommitAsync(null).ConfigureAwait(false);
        }

        using var transaction = _store.BeginBatch();
        storage.Current = transaction;
        foreach (var set in sets) set.Flush();
        var emitted = await _findings.CommitAsync(transaction).ConfigureAwait(false);
        storage.Current = null;
        return emitted;
    }

    private sealed record Pending(GitCommit Commit, bool LearnOnly, bool[] FirstSightings, Task<object?[][]> Chunk, int Index, int WholeBlobs);

    /// <summary>Baselines in memory between flushes; read from the store when there is one.</summary>
    private sealed class ScanStorage(IStore? store) : IBaselineStorage
    {
        private readonly Dictionary<string, StoredBaseline> _memory = new(StringComparer.Ordinal);

        public IStoreBatch? Current { get; set; }

        public long CommitsSinceFlush { get; set; }

        public StoredBaseline? LoadBaseline(string key)
        {
            if (_memory.TryGetValue(key, out var held)) return held;
            if (store is null) return null;
            using var batch = store.BeginBatch();
            return batch.LoadBaseline(key);
        }

        public void SaveBaseline(string key, byte version, byte[] data)
        {
            _memory[key] = new StoredBaseline(version, data);
            Current?.SaveBaseline(key, version, data);
        }
    }
}

/// <summary>Tuning of the scan loop.</summary>
public sealed record ScanOptions
{
    /// <summary>Threads that prepare commits (scan text) at once; 1 prepares on the detectors' thread.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Commits read ahead of the detectors (their preparation under way).</summary>
    public int Lookahead { get; init; } = 1024;

    /// <summary>
    /// ... and no further than this many versions of whole files (dependency files, CI definitions: <see cref="ScanBlobDemand"/>)
    /// prepared and not yet inspected, so what preparation parsed and read ahead is still held when the detectors reach it.
    /// </summary>
    public int WholeBlobsAhead { get; init; } = 512;

    /// <summary>Commits prepared by one task at most ...</summary>
    public int ChunkCommits { get; init; } = 64;

    /// <summary>... or added lines, whichever comes first.</summary>
    public int ChunkLines { get; init; } = 20_000;

    /// <summary>Commits between store transactions.</summary>
    public int StoreBatchCommits { get; init; } = 10_000;

    /// <summary>When set, the CPU time of each part of the scan is added to it (<c>scan --profile</c>).</summary>
    public ScanProfile? Profile { get; init; }

    /// <summary>How the behavioural signals of each commit are weighed into alerts (see <see cref="Alerting.Signals.RiskScorer"/>).</summary>
    public Alerting.Signals.SignalOptions Signals { get; init; } = new();
}

/// <summary>Where a scan is: commits done, bytes of git output read, findings so far.</summary>
public readonly record struct ScanProgress(long Commits, long BytesRead, long Findings);

/// <summary>What a scan did.</summary>
/// <param name="Commits">Commits of the range analyzed.</param>
/// <param name="LearnedCommits">Commits before the range, only learned from.</param>
/// <param name="Findings">Findings reported (after allowlists and the baseline).</param>
/// <param name="Suppressed">Findings dropped by an allowlist or the baseline.</param>
/// <param name="BytesRead">Bytes of git output or file content read.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Cancelled">True when the scan stopped early.</param>
public sealed record ScanSummary(long Commits, long LearnedCommits, long Findings, long Suppressed, long BytesRead, TimeSpan Elapsed, bool Cancelled);
