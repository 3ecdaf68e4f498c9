using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Store;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>
/// The alert outbox on one PostgreSQL store shared by several processes (issue 23): each outbox entry is claimed by one process at a
/// time (one UPDATE … FOR UPDATE SKIP LOCKED … RETURNING), renewed while it lives, released on delivery, taken over when it expires.
/// Each "process" is a store and delivery log of its own (its own claimant id), with its own route to one loopback receiver.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresOutboxClaimsTests(PostgresServer server)
{
    [Fact]
    public async Task Two_processes_draining_one_outbox_at_once_deliver_each_alert_exactly_once()
    {
        const int Left = 1_200;
        const int Fresh = 30;
        await using var receiver = new LoopbackHttpServer();
        var location = server.Uri(await server.CreateDatabaseAsync());
        var findings = Findings(Left + (2 * Fresh));

        // A process that died at once after committing: its claims expired long ago.
        using (var dead = StoreFactory.Open(location))
        {
            var log = new SharedDeliveryLog((ISharedTables)dead, TimeProvider.System, TimeSpan.FromMilliseconds(1));
            Commit(dead, Route(receiver, log), findings[..Left]);
        }

        using var storeA = StoreFactory.Open(location);
        using var storeB = StoreFactory.Open(location);
        using var logA = new SharedDeliveryLog((ISharedTables)storeA, TimeProvider.System);
        using var logB = new SharedDeliveryLog((ISharedTables)storeB, TimeProvider.System);
        var routerA = RouteHarness.Router(Yaml(receiver), log: logA);
        var routerB = RouteHarness.Router(Yaml(receiver), log: logB);
        Assert.NotEqual(logA.Owner, logB.Owner);

        // Both start together, and each commits and sends fresh alerts of its own while both drain what was left.
        async Task RunAsync(AlertRouter router, IStore store, Finding[] own)
        {
            await Task.Yield();
            router.ResumeOutbox();
            var route = Assert.Single(router.Routes);
            await route.EmitAsync(Commit(store, route, own), TestContext.Current.CancellationToken);
            await route.CompleteAsync(TestContext.Current.CancellationToken);
        }

        await Task.WhenAll(RunAsync(routerA, storeA, findings[Left..(Left + Fresh)]), RunAsync(routerB, storeB, findings[(Left + Fresh)..]));

        var received = Received(receiver);
        Assert.Equal(Left + (2 * Fresh), received.Count);
        Assert.Equal(findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        var (a, b) = (Assert.Single(routerA.Routes), Assert.Single(routerB.Routes));
        Assert.Equal(Left, a.Resumed + b.Resumed);
        Assert.Equal(Left + (2 * Fresh), a.Batching.Delivered + b.Batching.Delivered);
        Assert.Equal((0L, (long)received.Count), (await CountAsync(location, "SELECT count(*) FROM alert_outbox"), await CountAsync(location, "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'")));
    }

    [Fact]
    public async Task A_killed_claimants_alerts_are_taken_over_once_after_its_lease_and_not_before()
    {
        const int Count = 50;
        var lease = TimeSpan.FromSeconds(8);
        await using var receiver = new LoopbackHttpServer();
        var location = server.Uri(await server.CreateDatabaseAsync());
        var findings = Findings(Count);

        // The claimant commits its alerts (claimed for 8 s) and is killed before it sends any: it never renews nor releases them.
        using var killed = StoreFactory.Open(location);
        var killedLog = new SharedDeliveryLog((ISharedTables)killed, TimeProvider.System, lease);
        var committedAt = DateTime.UtcNow;
        Commit(killed, Route(receiver, killedLog), findings);

        // Another process, sweeping every second (a 3 s lease of its own).
        using var store = StoreFactory.Open(location);
        using var log = new SharedDeliveryLog((ISharedTables)store, TimeProvider.System, TimeSpan.FromSeconds(3));
        var router = RouteHarness.Router(Yaml(receiver), log: log);
        var waiting = router.ResumeOutbox();
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        if (DateTime.UtcNow - committedAt < lease - TimeSpan.FromSeconds(1))
        {
            // Still within the dead claimant's lease: nothing was waiting for another process, and nothing was taken.
            Assert.Empty(waiting);
            Assert.Empty(receiver.Requests);
            Assert.Equal(Count, await CountAsync(location, $"SELECT count(*) FROM alert_outbox WHERE claimed_by = '{killedLog.Owner}'"));
        }

        await receiver.WaitForAsync(1, 30);
        var route = Assert.Single(router.Routes);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (route.Batching.Delivered < Count && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        await route.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.True(DateTime.UtcNow - committedAt >= lease, "the alerts were taken before the dead claimant's lease ended");
        Assert.Equal(findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal), Received(receiver).Order(StringComparer.Ordinal));
        Assert.Equal(Count, route.Resumed);
        Assert.Equal(0L, await CountAsync(location, "SELECT count(*) FROM alert_outbox"));
    }

    [Fact]
    public async Task A_live_process_keeps_its_alerts_past_its_lease_by_renewing_them_and_gives_them_back_when_it_stops()
    {
        var lease = TimeSpan.FromSeconds(4);
        await using var receiver = new LoopbackHttpServer();
        var location = server.Uri(await server.CreateDatabaseAsync());
        var findings = Findings(40);

        using var ownerStore = StoreFactory.Open(location);
        var ownerLog = new SharedDeliveryLog((ISharedTables)ownerStore, TimeProvider.System, lease);
        var ownerRouter = RouteHarness.Router(Yaml(receiver), log: ownerLog);
        ownerRouter.ResumeOutbox();
        var ownerRoute = Assert.Single(ownerRouter.Routes);
        var alerts = Commit(ownerStore, ownerRoute, findings);

        using var otherStore = StoreFactory.Open(location);
        using var otherLog = new SharedDeliveryLog((ISharedTables)otherStore, TimeProvider.System, lease);
        var otherRouter = RouteHarness.Router(Yaml(receiver), log: otherLog);
        otherRouter.ResumeOutbox();

        // Two leases pass while the owner has not sent its first 20 alerts (a slow service, a digest): it renews, nobody takes them.
        await Task.Delay(lease * 2.25, TestContext.Current.CancellationToken);
        Assert.Empty(receiver.Requests);
        Assert.Equal(40L, await CountAsync(location, $"SELECT count(*) FROM alert_outbox WHERE claimed_by = '{ownerLog.Owner}'"));
        await ownerRoute.EmitAsync(alerts[..20], TestContext.Current.CancellationToken);
        await ownerRoute.CompleteAsync(TestContext.Current.CancellationToken);

        // The owner stops gracefully with 20 alerts it never sent: they are released, and the other process takes them at its next round.
        ownerLog.Dispose();
        var otherRoute = Assert.Single(otherRouter.Routes);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (otherRoute.Batching.Delivered < 20 && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        await otherRoute.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal((20L, 20L, 20L), (ownerRoute.Batching.Delivered, otherRoute.Resumed, otherRoute.Batching.Delivered));
        Assert.Equal(findings.Select(f => f.Fingerprint).Order(StringComparer.Ordinal), Received(receiver).Order(StringComparer.Ordinal));
        Assert.Equal(0L, await CountAsync(location, "SELECT count(*) FROM alert_outbox"));
    }

    private static string Yaml(LoopbackHttpServer server) => $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {server.Url}/hook\n";

    private static RouteSink Route(LoopbackHttpServer server, IDeliveryLog log) => Assert.Single(RouteHarness.Router(Yaml(server), log: log).Routes);

    private static Finding[] Findings(int count) =>
        [.. Enumerable.Range(0, count).Select(i => FindingJsonTests.Full with
        {
            Fingerprint = $"fp-{i:D5}",
            Severity = Severity.High,
            Timestamp = FindingJsonTests.Full.Timestamp.AddSeconds(i),
        })];

    // What the engine does at a commit: the findings and the route's outbox rows in one transaction.
    private static Alert[] Commit(IStore store, RouteSink route, IReadOnlyList<Finding> findings)
    {
        using var batch = store.BeginBatch();
        batch.AddFindings(findings, new bool[findings.Count]);
        Alert[] alerts = [.. findings.Select(f => new Alert(f, null))];
        ((IDurableSink)route).Stage(alerts, batch);
        batch.Commit();
        return alerts;
    }

    private static List<string> Received(LoopbackHttpServer server) =>
        [.. server.Requests.SelectMany(r =>
        {
            using var json = r.Json();
            return json.RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("finding").GetProperty("fingerprint").GetString()!).ToList();
        })];

    private async Task<long> CountAsync(string location, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString(DatabaseOf(location)));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string DatabaseOf(string location) => new Uri(location).AbsolutePath.TrimStart('/');
}
