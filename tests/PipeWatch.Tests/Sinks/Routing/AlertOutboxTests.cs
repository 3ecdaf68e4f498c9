using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks.Routing;

/// <summary>
/// The alert outbox on a real store file: what a route accepts is written with its findings, leaves when its outcome is recorded,
/// is sent again at the next start when a run stopped before (a kill, a crash), and what a full queue drops is a dead letter.
/// </summary>
public sealed class AlertOutboxTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private string Store => _temp.File("pipewatch.db");

    [Fact]
    public async Task Alerts_the_route_takes_are_written_with_their_findings_and_leave_the_outbox_once_delivered()
    {
        await using var server = new LoopbackHttpServer();
        var findings = Findings(4, i => i == 3 ? Severity.Low : Severity.High);
        using var log = OpenLog();
        var route = Assert.Single(RouteHarness.Router(Yaml(server, "      min-severity: high\n"), log: log).Routes);

        var alerts = Commit(route, findings);

        Assert.Equal(["fp-0", "fp-1", "fp-2"], Outbox("soc"));
        await route.EmitAsync(alerts, TestContext.Current.CancellationToken);
        await route.CompleteAsync(TestContext.Current.CancellationToken);
        Assert.Empty(Outbox("soc"));
        Assert.Equal(3L, SqliteFile.Scalar(Store, "SELECT count(*) FROM alert_deliveries WHERE route = 'soc' AND status = 'delivered'"));
        Assert.Equal(["fp-0", "fp-1", "fp-2"], Received(server));
    }

    [Fact]
    public async Task What_a_stopped_run_left_in_the_outbox_is_sent_once_at_the_next_start_and_this_runs_alerts_are_not_sent_twice()
    {
        await using var server = new LoopbackHttpServer();
        var findings = Findings(251, _ => Severity.High);
        using (var log = OpenLog())
        {
            // The first run commits 250 findings and is gone before its route sends any of them.
            var route = Assert.Single(RouteHarness.Router(Yaml(server), log: log).Routes);
            Commit(route, findings[..250]);
        }

        Assert.Equal(250, Outbox("soc").Count);
        var problems = new ProblemLog();
        using (var log = OpenLog())
        {
            var router = RouteHarness.Router(Yaml(server), log: log, problems: problems);
            var route = Assert.Single(router.Routes);
            var resumed = router.ResumeOutbox();
            // This run's own finding, committed and emitted while the resume runs.
            var fresh = Commit(route, findings[250..]);
            await route.EmitAsync(fresh, TestContext.Current.CancellationToken);
            await route.CompleteAsync(TestContext.Current.CancellationToken);

            Assert.Equal(250L, Assert.Single(resumed, r => r.Key == "soc").Value);
            Assert.Equal(250, route.Resumed);
            Assert.Equal(251, route.Batching.Delivered);
        }

        var received = Received(server);
        Assert.Equal(251, received.Count);
        Assert.Equal(findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        Assert.Empty(Outbox("soc"));
        Assert.Empty(problems.Problems);
    }

    [Fact]
    public async Task Two_processes_on_one_store_file_drain_what_a_dead_one_left_and_deliver_each_alert_once()
    {
        await using var server = new LoopbackHttpServer();
        var findings = Findings(1_200, _ => Severity.High);
        SqliteStore.Open(Store).Dispose();
        // The dead process's claims expired at once; it never released them.
        var dead = SqliteDeliveryLog.Open(Store, null, TimeSpan.FromMilliseconds(1));
        Commit(Assert.Single(RouteHarness.Router(Yaml(server), log: dead).Routes), findings);

        using var logA = SqliteDeliveryLog.Open(Store);
        using var logB = SqliteDeliveryLog.Open(Store);
        var routes = new[] { logA, logB }.Select(log =>
        {
            var router = RouteHarness.Router(Yaml(server), log: log);
            return (Router: router, Route: Assert.Single(router.Routes));
        }).ToList();
        await Task.WhenAll(routes.Select(async r =>
        {
            await Task.Yield();
            r.Router.ResumeOutbox();
            await r.Route.CompleteAsync(TestContext.Current.CancellationToken);
        }));

        var received = Received(server);
        Assert.Equal(1_200, received.Count);
        Assert.Equal(findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        Assert.Equal(1_200, routes.Sum(r => r.Route.Resumed));
        Assert.Empty(Outbox("soc"));
    }

    [Fact]
    public async Task A_resent_alert_keeps_its_incident_and_a_pagerduty_route_its_dedup_key()
    {
        var events = new List<string>();
        await using var server = new LoopbackHttpServer(r =>
        {
            lock (events) events.Add(r.Text);
            return new HttpReply(202, """{"status":"success","message":"Event processed"}""");
        });
        var yaml = $"alerts:\n  routes:\n    - name: pager\n      sink: pagerduty\n      url: {server.Url}/v2/enqueue\n      routing-key: R0UT1NGKEY0000000000000000000000\n      group: incident\n";
        using (var log = OpenLog())
        {
            var route = Assert.Single(RouteHarness.Router(yaml, log: log).Routes);
            Commit(route, Findings(1, _ => Severity.Critical), incident: "inc-42");
        }

        using (var log = OpenLog())
        {
            var router = RouteHarness.Router(yaml, log: log);
            router.ResumeOutbox();
            await Assert.Single(router.Routes).CompleteAsync(TestContext.Current.CancellationToken);
        }

        using var json = System.Text.Json.JsonDocument.Parse(Assert.Single(events));
        Assert.Equal(("trigger", "inc-42"), (json.RootElement.GetProperty("event_action").GetString(), json.RootElement.GetProperty("dedup_key").GetString()));
        Assert.Empty(Outbox("pager"));
    }

    [Fact]
    public async Task What_a_throttle_holds_back_leaves_the_outbox_with_its_summary()
    {
        await using var server = new LoopbackHttpServer();
        using var log = OpenLog();
        var route = Assert.Single(RouteHarness.Router(Yaml(server, "      throttle:\n        max: 2\n        window: 1h\n"), log: log).Routes);

        var alerts = Commit(route, Findings(5, _ => Severity.High));
        Assert.Equal(5, Outbox("soc").Count);
        await route.EmitAsync(alerts, TestContext.Current.CancellationToken);
        await route.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Empty(Outbox("soc"));
        var received = Received(server);
        Assert.Equal(3, received.Count);
        Assert.Equal(["fp-0", "fp-1"], received.Take(2));
        Assert.StartsWith("3 more alerts held back on route 'soc'", SummaryTitle(server), StringComparison.Ordinal);
        Assert.Equal(3L, SqliteFile.Scalar(Store, "SELECT count(*) FROM alert_deliveries WHERE route = 'soc' AND status = 'delivered'"));
    }

    [Fact]
    public async Task Alerts_dropped_from_a_full_route_queue_are_dead_letters_that_a_retry_delivers()
    {
        await using var server = new LoopbackHttpServer();
        using var log = OpenLog();
        var options = RouteHarness.Parse(Yaml(server));
        options = options with { Routes = [.. options.Routes.Select(r => r with { Batching = r.Batching with { QueueLimit = 2 } })] };
        var problems = new ProblemLog();
        var router = AlertRouter.Create(options, new RouteContext(TimeProvider.System, _ => null, problems, "1.2.3", null, log, _temp.Path));
        var route = Assert.Single(router.Routes);

        var alerts = Commit(route, Findings(5, _ => Severity.High));
        await route.EmitAsync(alerts, TestContext.Current.CancellationToken);
        await route.CompleteAsync(TestContext.Current.CancellationToken);

        var letters = log.DeadLetters();
        Assert.Equal(["fp-0", "fp-1", "fp-2"], letters.Select(l => l.Alert.Finding.Fingerprint).Order(StringComparer.Ordinal));
        Assert.All(letters, l => Assert.Equal("dropped: the route's queue was over its limit of 2 alerts", l.Error));
        Assert.Equal(["fp-3", "fp-4"], Received(server));
        Assert.Empty(Outbox("soc"));

        var outcome = Assert.Single(await router.RetryAsync(letters, TestContext.Current.CancellationToken));
        Assert.Equal(new RetryOutcome("soc", 3, 3, 0, false), outcome);
        Assert.Equal(["fp-0", "fp-1", "fp-2", "fp-3", "fp-4"], Received(server).Order(StringComparer.Ordinal));
        Assert.Empty(log.DeadLetters());
    }

    [Fact]
    public async Task A_batch_the_route_queue_drops_to_keep_detection_going_is_kept_as_dead_letters()
    {
        await using var server = new LoopbackHttpServer();
        using var log = OpenLog();
        var route = Assert.Single(RouteHarness.Router(Yaml(server), log: log).Routes);
        var gate = new TaskCompletionSource();
        var first = new TaskCompletionSource();
        var held = new HoldingSink(route, gate.Task, first);
        var isolated = new IsolatedSink(held, new SinkQueueOptions { Capacity = 2, WhenFull = SinkQueueFullMode.DropNewest }, TimeProvider.System, new ProblemLog(), "soc");
        var alerts = Commit(route, Findings(4, _ => Severity.High));

        await isolated.EnqueueAsync([alerts[0]], TestContext.Current.CancellationToken);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        foreach (var alert in alerts[1..]) await isolated.EnqueueAsync([alert], TestContext.Current.CancellationToken);
        gate.SetResult();
        await isolated.CompleteAsync();

        Assert.Equal(1, isolated.Dropped);
        var letter = Assert.Single(log.DeadLetters());
        Assert.Equal(("fp-3", "dropped: the route's queue was full (2 batches waiting)"), (letter.Alert.Finding.Fingerprint, letter.Error));
        Assert.Equal(["fp-0", "fp-1", "fp-2"], Received(server).Order(StringComparer.Ordinal));
        Assert.Empty(Outbox("soc"));
    }

    public void Dispose() => _temp.Dispose();

    private static string Yaml(LoopbackHttpServer server, string extra = "") =>
        $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {server.Url}/hook\n{extra}";

    private static Finding[] Findings(int count, Func<int, Severity> severity) =>
        [.. Enumerable.Range(0, count).Select(i => FindingJsonTests.Full with
        {
            Fingerprint = $"fp-{i}",
            Severity = severity(i),
            Timestamp = FindingJsonTests.Full.Timestamp.AddSeconds(i),
        })];

    private SqliteDeliveryLog OpenLog()
    {
        SqliteStore.Open(Store).Dispose();
        return SqliteDeliveryLog.Open(Store);
    }

    // What the engine does at a commit: the findings and the route's outbox rows in one transaction.
    private Alert[] Commit(RouteSink route, IReadOnlyList<Finding> findings, string? incident = null)
    {
        using var store = SqliteStore.Open(Store);
        using var batch = store.BeginBatch();
        var added = new bool[findings.Count];
        batch.AddFindings(findings, added);
        Alert[] alerts = [.. findings.Select(f => new Alert(f, incident is null ? null : new AlertIncident(incident, true)))];
        ((IDurableSink)route).Stage(alerts, batch);
        batch.Commit();
        return alerts;
    }

    private List<string> Outbox(string route)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Store};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT fingerprint FROM alert_outbox WHERE route = $r ORDER BY seq";
        command.Parameters.AddWithValue("$r", route);
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.GetString(0));
        return list;
    }

    private static List<string> Received(LoopbackHttpServer server) =>
        [.. server.Requests.SelectMany(r =>
        {
            using var json = r.Json();
            return json.RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("finding").GetProperty("fingerprint").GetString()!).ToList();
        })];

    private static string SummaryTitle(LoopbackHttpServer server)
    {
        foreach (var request in server.Requests)
        {
            using var json = request.Json();
            foreach (var alert in json.RootElement.GetProperty("alerts").EnumerateArray())
            {
                var finding = alert.GetProperty("finding");
                if (finding.GetProperty("rule").GetString() == ThrottlingSink.SummaryRule) return finding.GetProperty("title").GetString()!;
            }
        }

        return "";
    }

    // The route, whose first batch waits for the gate: the queue in front of it fills meanwhile.
    private sealed class HoldingSink(RouteSink route, Task gate, TaskCompletionSource first) : IFindingSink, IDurableSink
    {
        public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
        {
            first.TrySetResult();
            await gate.WaitAsync(cancellationToken);
            return await route.EmitAsync(batch, cancellationToken);
        }

        public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => route.CompleteAsync(cancellationToken);

        public void Stage(IReadOnlyList<Alert> alerts, PipeWatch.Store.IStoreBatch batch) => ((IDurableSink)route).Stage(alerts, batch);

        public void Dropped(IReadOnlyList<Alert> alerts, string reason) => ((IDurableSink)route).Dropped(alerts, reason);
    }
}
