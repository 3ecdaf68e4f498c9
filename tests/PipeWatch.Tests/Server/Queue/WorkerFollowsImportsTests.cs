using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Queue;

/// <summary>
/// A running <c>pipewatch worker</c> on PostgreSQL follows the store's indicators (issue 23): an <c>intel import</c> made while it
/// runs reaches it within the follow interval, without a restart.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class WorkerFollowsImportsTests(PostgresServer postgres)
{
    private const string C2Address = "223.167.10.20";

    [Fact]
    public async Task A_running_worker_finds_a_c2_address_only_after_an_intel_import_made_while_it_runs()
    {
        using var nats = new NatsServer();
        using var folder = new TempFolder();
        var config = QueueIntegrationTests.Config(folder, ackWait: "3s");
        var database = await postgres.CreateDatabaseAsync();
        var store = postgres.Uri(database);
        await using var worker = await WorkerProcess.StartAsync(folder, nats.Url, store, "follower", config);
        await using var serve = await ServeProcess.StartAsync(folder, "--queue", nats.Url, "--config", config);
        using var client = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(30) };

        // Before the import: the login from the address is processed and raises nothing.
        Assert.Equal(HttpStatusCode.Accepted, await PostAuditAsync(client, 0));
        await QueueIntegrationTests.WaitAsync(async () => await CountAsync(database, "SELECT count(*) FROM event_ledger") >= 1, "the first audit entry committed");
        Assert.Equal(0L, await CountAsync(database, "SELECT count(*) FROM findings WHERE rule = 'threat-intel.c2-contact'"));

        // The import, by another process, into the shared store while the worker runs.
        await File.WriteAllTextAsync(folder.File("c2.txt"), C2Address + "\n", TestContext.Current.CancellationToken);
        var imported = await new CliRunner(folder.Path) { Now = DateTimeOffset.UtcNow }.RunAsync("intel", "import", "--store", store, "c2.txt");
        Assert.True(imported.ExitCode == 0, imported.Error);

        // Later entries from the same address: the worker sees the new indicator within its follow interval (10 s).
        var posted = 1;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CountAsync(database, "SELECT count(*) FROM findings WHERE rule = 'threat-intel.c2-contact'") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no c2-contact finding within 60 s of the import; the worker said: {(worker.Exited ? await worker.Errors : "(running)")}");
            Assert.Equal(HttpStatusCode.Accepted, await PostAuditAsync(client, posted++));
            await Task.Delay(2_000, TestContext.Current.CancellationToken);
        }

        var body = await ScalarTextAsync(database, "SELECT body FROM findings WHERE rule = 'threat-intel.c2-contact' ORDER BY seq LIMIT 1");
        Assert.Contains(C2Address, body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"gA0\"", body, StringComparison.Ordinal);
        await worker.StopAsync();
        await serve.StopAsync();
    }

    private static async Task<HttpStatusCode> PostAuditAsync(HttpClient client, int n)
    {
        var line = $$"""{"@timestamp":{{1_765_000_000_000L + (n * 1000)}},"_document_id":"gA{{n}}","action":"org.update_member","actor":"bobert","actor_ip":"{{C2Address}}","actor_location":{"country_code":"CN"},"org":"estate","created_at":{{1_765_000_000_000L + (n * 1000)}},"operation_type":"modify","user":"alice"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/generic") { Content = new StringContent(line + "\n", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.IngestToken);
        request.Headers.Add("Idempotency-Key", $"audit-{n}");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    private async Task<long> CountAsync(string database, string sql) => Convert.ToInt64(await ScalarTextAsync(database, sql), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> ScalarTextAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
