using PipeWatch.Store;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Queue;

/// <summary>The scale-out path on PostgreSQL: <c>serve --queue</c> and two workers sharing a real PostgreSQL store.</summary>
[Collection(PostgresServer.Collection)]
public sealed class QueuePostgresTests(PostgresServer postgres)
{
    [Fact]
    public async Task Webhooks_through_serve_queue_and_two_workers_on_PostgreSQL_give_the_same_findings_as_serve_on_SQLite()
    {
        var payloads = QueueIntegrationTests.Payloads(repositories: 10, membersEach: 3);
        using var plain = new TempFolder();
        await using (var serve = await ServeProcess.StartAsync(plain))
        {
            Assert.Equal(payloads.Count, await QueueIntegrationTests.PostAllAsync(serve.Address, payloads));
            await serve.WaitForBacklogAsync(0);
            await serve.StopAsync();
        }

        var expected = QueueIntegrationTests.Fingerprints(plain.File("pipewatch.db"));
        Assert.Equal(10 * 3 + QueueIntegrationTests.CorpusFindings.Length, expected.Count);

        using var nats = new NatsServer();
        using var folder = new TempFolder();
        var config = QueueIntegrationTests.Config(folder, ackWait: "3s");
        var store = await postgres.NewStoreAsync();
        await using var first = await WorkerProcess.StartAsync(folder, nats.Url, store, "first", config);
        await using var second = await WorkerProcess.StartAsync(folder, nats.Url, store, "second", config);
        // serve keeps its own SQLite file for its API here; the findings are the workers', in PostgreSQL.
        await using var serveQueue = await ServeProcess.StartAsync(folder, "--queue", nats.Url, "--config", config);

        Assert.Equal(payloads.Count, await QueueIntegrationTests.PostAllAsync(serveQueue.Address, payloads));
        await QueueIntegrationTests.WaitAsync(() => Task.FromResult(Fingerprints(store).Count == expected.Count), $"{expected.Count} findings in PostgreSQL");
        await QueueIntegrationTests.WaitAsync(
            async () => await first.MetricAsync("pipewatch_queue_in_flight") + await second.MetricAsync("pipewatch_queue_in_flight") == 0
                && await first.MetricAsync("pipewatch_queue_processed_total") + await second.MetricAsync("pipewatch_queue_processed_total") >= payloads.Count,
            "every message acknowledged");

        Assert.Equal(expected, Fingerprints(store));
        await first.StopAsync();
        await second.StopAsync();
        await serveQueue.StopAsync();
    }

    [Fact]
    public async Task Restarting_PostgreSQL_during_the_run_loses_and_duplicates_nothing()
    {
        var payloads = QueueIntegrationTests.Payloads(repositories: 20, membersEach: 5);
        using var nats = new NatsServer();
        using var folder = new TempFolder();
        var config = QueueIntegrationTests.Config(folder, ackWait: "3s");
        var database = await postgres.CreateDatabaseAsync();
        var store = postgres.Uri(database);
        await using var first = await WorkerProcess.StartAsync(folder, nats.Url, store, "first", config);
        await using var second = await WorkerProcess.StartAsync(folder, nats.Url, store, "second", config);
        await using var serve = await ServeProcess.StartAsync(folder, "--queue", nats.Url, "--config", config);

        var half = payloads.Count / 2;
        var posting = QueueIntegrationTests.PostAllAsync(serve.Address, payloads[..half], parallel: 4);
        await QueueIntegrationTests.WaitAsync(async () => await Count(database, "event_ledger") >= 10, "some events committed before the restart");
        // The restart cuts every connection: batches open then are rolled back, and the workers must give their messages back.
        await postgres.RestartAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(half, await posting);
        Assert.Equal(payloads.Count - half, await QueueIntegrationTests.PostAllAsync(serve.Address, payloads[half..], offset: half));

        try
        {
            await QueueIntegrationTests.WaitAsync(async () => await Count(database, "event_ledger") == payloads.Count, $"{payloads.Count} events committed");
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            // What the workers said (their problems go to stderr) is the first thing to read when this fails.
            first.Kill();
            second.Kill();
            Assert.Fail($"{ex.Message} ({await Count(database, "event_ledger")} committed); first worker said: {await first.Errors}; second worker said: {await second.Errors}");
        }

        await QueueIntegrationTests.WaitAsync(
            async () => await first.MetricAsync("pipewatch_queue_in_flight") + await second.MetricAsync("pipewatch_queue_in_flight") == 0,
            "every message acknowledged");
        Assert.Equal(payloads.Count, await Count(database, "event_ledger"));
        Assert.Equal(payloads.Count, await Count(database, "findings"));
        Assert.True(
            await first.MetricAsync("pipewatch_store_failures_total") + await second.MetricAsync("pipewatch_store_failures_total") >= 1,
            "no worker saw the store fail: the restart did not happen while they wrote");
        await first.StopAsync();
        await second.StopAsync();
        await serve.StopAsync();
    }

    private async Task<long> Count(string database, string table)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString(database));
        try
        {
            await connection.OpenAsync();
        }
        catch (Npgsql.NpgsqlException)
        {
            return -1; // restarting
        }

        await using var command = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static SortedSet<string> Fingerprints(string location)
    {
        using var reader = StoreFactory.OpenReader(location);
        var page = reader.PageFindings(new FindingQuery(), null, 1000);
        return new SortedSet<string>(page.Items.Select(f => $"{f.Fingerprint} {f.Rule} {f.Category}"), StringComparer.Ordinal);
    }
}
