using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sources;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Engine;

/// <summary>What the engine promises a server that runs it for weeks: timely commits without input, no idle write lock, isolated sinks, committed-only alerts.</summary>
public sealed class EngineContractTests : IDisposable
{
    private static readonly TimeSpan Age = TimeSpan.FromSeconds(5);
    private readonly TempFolder _temp = new();
    private readonly FakeTimeProvider _time = new(Ingest.Now);

    [Fact]
    public async Task A_finding_reaches_the_sink_within_the_batch_age_with_no_further_input()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var sink = new CollectingSink();
        var engine = Builder(store).AddSink(sink).Build();
        var source = new LiveSource();
        using var stop = new CancellationTokenSource();
        var run = engine.RunAsync([source], null, stop.Token);

        source.Write(Login("alice", 1));
        await WaitUntilAsync(() => StoreHoldsWriteLock(store.Path));
        Assert.Empty(sink.Findings);

        // Nothing more arrives: only the clock moves.
        _time.Advance(Age);
        await WaitUntilAsync(() => sink.Findings.Count == 1);

        Assert.Equal("github.audit:git.clone:alice:1", Assert.Single(sink.Findings).Location.File);
        await stop.CancelAsync();
        var summary = await run;
        Assert.True(summary.Cancelled);
    }

    [Fact]
    public async Task An_idle_engine_holds_no_write_transaction()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var engine = Builder(store).Build();
        var source = new LiveSource();
        using var stop = new CancellationTokenSource();
        var run = engine.RunAsync([source], null, stop.Token);

        // Before any input, and again once the batch of the one event has reached its age.
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(StoreHoldsWriteLock(store.Path));
        source.Write(Login("alice", 1));
        await WaitUntilAsync(() => StoreHoldsWriteLock(store.Path));
        _time.Advance(Age);
        await WaitUntilAsync(() => !StoreHoldsWriteLock(store.Path));

        Assert.Single(store.QueryFindings(new FindingQuery()));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Cancelling_commits_what_was_processed_and_the_sinks_get_it()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var sink = new CollectingSink();
        var engine = Builder(store).AddSink(sink).Build();
        var source = new LiveSource();
        using var stop = new CancellationTokenSource();
        var run = engine.RunAsync([source], null, stop.Token);
        for (var i = 1; i <= 3; i++) source.Write(Login("alice", i));
        await WaitUntilAsync(() => StoreHoldsWriteLock(store.Path));
        await Task.Delay(100, TestContext.Current.CancellationToken);

        await stop.CancelAsync();
        var summary = await run;

        Assert.True(summary.Cancelled);
        Assert.Equal(3, summary.NewFindings);
        Assert.Equal(3, store.QueryFindings(new FindingQuery()).Count);
        Assert.Equal(3, sink.Findings.Count);
        Assert.False(StoreHoldsWriteLock(store.Path));
    }

    [Fact]
    public async Task A_sink_that_throws_and_one_that_blocks_forever_leave_the_others_and_detection_unaffected()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var problems = new ProblemLog();
        var good = new CollectingSink();
        var blocking = new BlockingSink();
        var engine = Builder(store)
            .WithProblems(problems)
            .WithOptions(new EngineOptions { BatchSize = 1, MaxBatchAge = Age })
            .AddSink(new ThrowingSink(), SinkQueueOptions.DropWhenFull)
            .AddSink(blocking, SinkQueueOptions.DropWhenFull with { Capacity = 1, CompletionTimeout = TimeSpan.FromMilliseconds(200) })
            .AddSink(good)
            .Build();
        var events = Enumerable.Range(1, 20).Select(i => Login("alice", i)).ToList();

        // The blocking sink's completion timeout runs on the injected clock: move it on while the run ends.
        var run = engine.RunAsync([new ListSource(events)], null, TestContext.Current.CancellationToken);
        while (!run.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var summary = await run;
        Assert.Equal(20, summary.NewFindings);
        Assert.Equal(20, good.Findings.Count);
        Assert.Equal(20, store.QueryFindings(new FindingQuery()).Count);
        var sinks = engine.Sinks;
        Assert.Equal(20, sinks[0].Failed);
        Assert.Equal(0, sinks[0].Delivered);
        // One alert is stuck inside the blocking sink; every other one was dropped (queue full, or left in it at the end) and counted.
        Assert.Equal(0, sinks[1].Delivered);
        Assert.Equal(19, sinks[1].Dropped);
        Assert.Equal(20, sinks[2].Delivered);
        Assert.Contains(problems.Problems, p => p.File == nameof(ThrowingSink) && p.Reason == "sink failed: InvalidOperationException: down");
        Assert.Contains(problems.Problems, p => p.File == nameof(BlockingSink) && p.Reason.StartsWith("sink did not finish within 0.2 s", StringComparison.Ordinal));
        Assert.Contains(problems.Problems, p => p.File == nameof(BlockingSink) && p.Reason.StartsWith($"sink dropped {sinks[1].Dropped} alerts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelling_while_a_slow_output_is_behind_still_hands_it_every_committed_finding()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var slow = new SlowSink(TimeSpan.FromMilliseconds(20));
        var engine = Builder(store).WithOptions(new EngineOptions { BatchSize = 1, MaxBatchAge = Age }).AddSink(slow, SinkQueueOptions.Lossless with { Capacity = 1 }).Build();
        var source = new LiveSource();
        using var stop = new CancellationTokenSource();
        var run = engine.RunAsync([source], null, stop.Token);
        for (var i = 1; i <= 30; i++) source.Write(Login("alice", i));
        await WaitUntilAsync(() => slow.Seen >= 3);

        await stop.CancelAsync();
        var summary = await run;

        Assert.True(summary.Cancelled);
        Assert.Equal(store.QueryFindings(new FindingQuery()).Count, slow.Seen);
        Assert.Equal(summary.NewFindings, slow.Seen);
    }

    [Fact]
    public async Task Sinks_never_see_a_finding_the_store_has_not_committed()
    {
        var path = _temp.File("store.db");
        using var store = SqliteStore.Open(path);
        var checking = new CommittedCheckingSink(path);
        var engine = Builder(store).WithOptions(new EngineOptions { BatchSize = 3, MaxBatchAge = Age }).AddSink(checking).Build();

        await engine.RunAsync([new ListSource([.. Enumerable.Range(1, 10).Select(i => Login("alice", i))])], null, TestContext.Current.CancellationToken);

        Assert.Equal(10, checking.Seen);
        Assert.Empty(checking.Uncommitted);
    }

    [Fact]
    public async Task Each_alert_carries_its_incident_and_whether_it_opened_it()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var sink = new CollectingSink();
        var engine = Builder(store).AddSink(sink).Build();

        await engine.RunAsync([new ListSource([Login("alice", 1), Login("alice", 2), Login("bob", 3)])], null, TestContext.Current.CancellationToken);

        var incidents = store.QueryIncidents(new PipeWatch.Alerting.Incidents.IncidentQuery());
        Assert.Equal(2, incidents.Count);
        var alice = incidents.Single(i => i.Actors.SequenceEqual(["alice"]));
        var alerts = sink.Alerts.ToDictionary(a => a.Finding.Location.File!);
        Assert.Equal(new AlertIncident(alice.Id, IsNew: true), alerts["github.audit:git.clone:alice:1"].Incident);
        Assert.Equal(new AlertIncident(alice.Id, IsNew: false), alerts["github.audit:git.clone:alice:2"].Incident);
        Assert.True(alerts["github.audit:git.clone:bob:3"].Incident!.IsNew);
    }

    [Fact]
    public async Task A_store_that_fails_ends_the_run_with_its_error_stops_the_reading_and_the_sinks_still_get_what_was_committed()
    {
        using var sqlite = SqliteStore.Open(_temp.File("store.db"));
        var store = new FailingStore(sqlite, failFromBatch: 2);
        var sink = new CollectingSink();
        var engine = Builder(store).AddSink(sink).Build();
        var source = new LiveSource();
        var run = engine.RunAsync([source], null, TestContext.Current.CancellationToken);

        source.Write(Login("alice", 1));
        await WaitUntilAsync(() => StoreHoldsWriteLock(sqlite.Path));
        _time.Advance(Age);
        await WaitUntilAsync(() => sqlite.QueryFindings(new FindingQuery()).Count == 1);
        source.Write(Login("alice", 2));

        var error = await Assert.ThrowsAsync<StoreException>(() => run);
        Assert.Equal("the store went away", error.Message);
        Assert.Equal("github.audit:git.clone:alice:1", Assert.Single(sink.Findings).Location.File);
        // The run no longer reads: what arrives now stays in the source for whoever runs next.
        source.Write(Login("alice", 3));
        source.Complete();
        var left = new List<string>();
        await foreach (var e in source.ReadAsync(new SourceContext(new ProblemLog()), TestContext.Current.CancellationToken)) left.Add(e.Id);
        Assert.Equal(["github.audit:git.clone:alice:3"], left);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>A real store whose batches fail from the <c>failFromBatch</c>-th on, as a store server that went away does.</summary>
    private sealed class FailingStore(SqliteStore inner, int failFromBatch) : IStore
    {
        private int _batches;

        public IStoreBatch BeginBatch() =>
            ++_batches >= failFromBatch ? throw new StoreException("the store went away") : inner.BeginBatch();

        public IReadOnlyList<Finding> QueryFindings(FindingQuery query) => inner.QueryFindings(query);

        public IReadOnlyList<PipeWatch.Alerting.Incidents.Incident> QueryIncidents(PipeWatch.Alerting.Incidents.IncidentQuery query) => inner.QueryIncidents(query);

        public IStoreReader OpenReader() => inner.OpenReader();

        public void Dispose()
        {
        }
    }

    private PipelineBuilder Builder(IStore store) => new PipelineBuilder(store)
        .WithDetectors([new EveryLoginDetector()])
        .WithTime(_time)
        .WithOptions(new EngineOptions { MaxBatchAge = Age });

    private static Event Login(string actor, int minute) =>
        AuditHistory.Audit("git.clone", actor, Ingest.Now.AddMinutes(minute - 60)) with { Id = $"github.audit:git.clone:{actor}:{minute}" };

    // True when another connection cannot take the write lock within a second: a write transaction is open.
    private static bool StoreHoldsWriteLock(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.CommandTimeout = 1;
        try
        {
            begin.ExecuteNonQuery();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 5)
        {
            return true;
        }

        using var rollback = connection.CreateCommand();
        rollback.CommandText = "ROLLBACK";
        rollback.ExecuteNonQuery();
        return false;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Reports one finding per event, keyed by the event: the engine, not a detector, is under test here.</summary>
    private sealed class EveryLoginDetector : IDetector
    {
        public DetectorInfo Info { get; } = new("test.every-login", Categories.SuspiciousLogin, [EventKind.Audit], "One finding per audit event.");

        public void Inspect(Event e, DetectionContext context) => context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = $"{e.UserName} cloned",
            Explanation = "test",
            Entity = new Entity(e.Ci.Repository, Actor: e.UserName),
            Location = new Location(File: e.Id),
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Id),
        });
    }

    /// <summary>Takes its time over every batch: an output slower than detection.</summary>
    private sealed class SlowSink(TimeSpan delay) : IFindingSink
    {
        private int _seen;

        public int Seen => Volatile.Read(ref _seen);

        public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, CancellationToken.None);
            Interlocked.Add(ref _seen, batch.Count);
            return SinkResult.Ok;
        }

        public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SinkResult.Ok);
    }

    private sealed class ThrowingSink : IFindingSink
    {
        public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken) => throw new InvalidOperationException("down");

        public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SinkResult.Ok);
    }

    /// <summary>Never returns from its first call, and ignores cancellation: a remote sink whose connection hangs.</summary>
    private sealed class BlockingSink : IFindingSink
    {
        private readonly TaskCompletionSource _never = new();

        public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
        {
            await _never.Task;
            return SinkResult.Ok;
        }

        public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SinkResult.Ok);
    }

    /// <summary>Looks each alert up through a connection of its own: it sees only what the engine's connection committed.</summary>
    private sealed class CommittedCheckingSink(string path) : IFindingSink
    {
        public int Seen { get; private set; }

        public List<string> Uncommitted { get; } = [];

        public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
            connection.Open();
            foreach (var alert in batch)
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT count(*) FROM findings WHERE fingerprint = $f";
                command.Parameters.AddWithValue("$f", alert.Finding.Fingerprint);
                if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 1) Uncommitted.Add(alert.Finding.Fingerprint);
                Seen++;
            }

            return ValueTask.FromResult(SinkResult.Ok);
        }

        public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SinkResult.Ok);
    }

    /// <summary>The events one per block, as a live intake hands them over.</summary>
    private sealed class ListSource(IReadOnlyList<Event> events) : ISource
    {
        public IAsyncEnumerable<Event> ReadAsync(SourceContext context, CancellationToken cancellationToken) => events.ToAsyncEnumerable();

        public IAsyncEnumerable<Event[]> ReadBlocksAsync(SourceContext context, CancellationToken cancellationToken) =>
            SourceBlocks.Gather(ReadAsync(context, cancellationToken), 1, cancellationToken);
    }
}
