using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Findings;
using PipeWatch.Server;
using PipeWatch.Store;
using PipeWatch.Store.Postgres;
using PipeWatch.Tests.Server.Queue;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary><c>pipewatch serve --store postgres://…</c>: the whole watch mode (hooks, engine, API, triage) on a real PostgreSQL.</summary>
[Collection(PostgresServer.Collection)]
public sealed class ServeOnPostgresTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_signed_corpus_webhook_through_serve_on_PostgreSQL_gives_the_findings_serve_on_SQLite_gives()
    {
        // The whole corpus (four of its webhooks raise a finding), then member webhooks of several repositories (one finding each).
        var payloads = CorpusWebhooks();
        Assert.True(payloads.Count >= 70, $"only {payloads.Count} corpus webhooks");
        payloads.AddRange(QueueIntegrationTests.Payloads(repositories: 6, membersEach: 3).Skip(QueueIntegrationTests.CorpusFindings.Length));

        using var plain = new TempFolder();
        int accepted;
        await using (var serve = await ServeProcess.StartAsync(plain))
        {
            // Some corpus payloads are answered otherwise than 202 (a ping, a shape the hook refuses): the same on both stores.
            accepted = await QueueIntegrationTests.PostAllAsync(serve.Address, payloads, parallel: 1);
            Assert.True(accepted >= 40, $"only {accepted} corpus webhooks accepted");
            await serve.WaitForBacklogAsync(0);
            await serve.StopAsync();
        }

        var expected = Findings(plain.File("pipewatch.db"));
        Assert.Equal(4 + (6 * 3), expected.Count);

        using var folder = new TempFolder();
        var store = await postgres.NewStoreAsync();
        await using (var serve = await ServeProcess.StartOnAsync(folder, store))
        {
            Assert.Equal(accepted, await QueueIntegrationTests.PostAllAsync(serve.Address, payloads, parallel: 1));
            await serve.WaitForBacklogAsync(0);

            // The API reads PostgreSQL: it lists every stored finding.
            using var client = new HttpClient { BaseAddress = serve.Address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.ApiToken);
            var listed = JsonNode.Parse(await client.GetStringAsync("/api/findings?status=all&limit=500", TestContext.Current.CancellationToken))!["findings"]!.AsArray();
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), listed.Select(f => f!["fingerprint"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            await serve.StopAsync();
        }

        // Its intake queue is a local SQLite file in the data folder (pipewatch-serve under its working directory).
        Assert.True(File.Exists(Path.Combine(folder.Path, "pipewatch-serve", ServeOnPostgres.IntakeFile)));
        Assert.Equal(expected, Findings(store));
    }

    [Fact]
    public async Task On_PostgreSQL_ack_and_close_persist_across_a_restart_and_a_suppression_made_through_the_API_hides_the_next_matching_finding()
    {
        using var folder = new TempFolder();
        var store = await postgres.NewStoreAsync();
        string deployKey, publicized;
        await using (var server = await RunningServer.StartAsync(folder: folder, store: store))
        {
            foreach (var file in CorpusFindingFiles) await PostAsync(server, file, File.ReadAllBytes(Corpus.File("github-webhooks", file)));
            const string repository = "acme/onboarding";
            await PostAsync(server, "member", Member(repository, "newcomer-0", 91_000));
            await server.DrainedAsync();
            var all = await server.AllFindingsAsync();
            Assert.Equal(5, all.Count);
            deployKey = all.Single(f => f.GetProperty("rule").GetString() == "secrets.unauthorized-access").GetProperty("fingerprint").GetString()!;
            publicized = all.Single(f => f.GetProperty("title").GetString()!.Contains("public", StringComparison.OrdinalIgnoreCase)).GetProperty("fingerprint").GetString()!;
            var memberRule = Findings(store).Values.Single(f => f.Repository == repository).Rule;

            Assert.Equal("acknowledged", (await PostJsonAsync(server, $"/api/findings/{deployKey}/ack", new JsonObject { ["by"] = "alice", ["reason"] = "looking" })).GetProperty("status").GetString());
            await PostJsonAsync(server, $"/api/findings/{publicized}/close", new JsonObject { ["by"] = "bob", ["reason"] = "intended" });
            await PostJsonAsync(server, "/api/suppressions", new JsonObject { ["rule"] = memberRule, ["repository"] = repository, ["reason"] = "onboarding week", ["by"] = "carol" });

            // The same kind of finding: suppressed in the suppressed repository, stored in another one.
            await PostAsync(server, "member", Member(repository, "newcomer-1", 91_001));
            await PostAsync(server, "member", Member("elsewhere/other", "newcomer-2", 91_002));
            await server.DrainedAsync();
            var stored = Findings(store).Values.ToList();
            Assert.Single(stored, f => f.Repository == repository);
            Assert.Equal(memberRule, Assert.Single(stored, f => f.Repository == "elsewhere/other").Rule);

            // Recent events and baselines are read from PostgreSQL too.
            var events = (await server.GetJsonAsync($"/api/events?repository={Uri.EscapeDataString(repository)}")).GetProperty("events").EnumerateArray().ToList();
            Assert.NotEmpty(events);
        }

        await using (var restarted = await RunningServer.StartAsync(folder: folder, store: store))
        {
            Assert.Equal([publicized], await FingerprintsAsync(restarted, "status=closed"));
            Assert.Equal("acknowledged", (await restarted.GetJsonAsync($"/api/findings/{deployKey}")).GetProperty("status").GetString());
            var history = (await restarted.GetJsonAsync($"/api/findings/{publicized}")).GetProperty("history").EnumerateArray().Single();
            Assert.Equal(("close", "bob", "intended"), (history.GetProperty("action").GetString(), history.GetProperty("by").GetString(), history.GetProperty("reason").GetString()));
            Assert.Equal("carol", (await restarted.GetJsonAsync("/api/suppressions")).GetProperty("suppressions").EnumerateArray().Single().GetProperty("createdBy").GetString());
        }
    }

    [Fact]
    public async Task A_worker_on_PostgreSQL_honours_a_suppression_made_through_serves_API_after_it_started()
    {
        using var nats = new NatsServer();
        using var folder = new TempFolder();
        var config = QueueIntegrationTests.Config(folder, ackWait: "3s");
        var store = await postgres.NewStoreAsync();
        await using var worker = await WorkerProcess.StartAsync(folder, nats.Url, store, "only", config);
        await using var serve = await ServeProcess.StartOnAsync(folder, store, "--queue", nats.Url, "--config", config);
        using var client = new HttpClient { BaseAddress = serve.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.ApiToken);

        using (var made = await client.PostAsync(
            "/api/suppressions",
            new StringContent(new JsonObject { ["repository"] = "estate/quiet", ["reason"] = "being archived", ["by"] = "carol" }.ToJsonString(), Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        }

        // The worker reads suppressions again every QueueWorker's SuppressionRefresh: past it, the next matching finding is hidden.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        var payloads = new List<(string Event, byte[] Body)> { ("member", Member("estate/quiet", "hidden", 92_001)), ("member", Member("estate/busy", "shown", 92_002)) };
        Assert.Equal(2, await QueueIntegrationTests.PostAllAsync(serve.Address, payloads, parallel: 1));
        await QueueIntegrationTests.WaitAsync(async () => await worker.MetricAsync("pipewatch_queue_processed_total") >= 2, "both webhooks processed");
        await QueueIntegrationTests.WaitAsync(() => Task.FromResult(Findings(store).Count == 1), "the unsuppressed finding stored");

        Assert.Equal(["estate/busy"], Findings(store).Values.Select(f => f.Repository));
        await worker.StopAsync();
        await serve.StopAsync();
    }

    [Fact]
    public async Task On_PostgreSQL_a_failed_alert_is_a_dead_letter_the_API_lists_and_retries_and_the_outbox_is_settled()
    {
        using var folder = new TempFolder();
        var database = await postgres.CreateDatabaseAsync();
        var store = postgres.Uri(database);
        var answer = 500;
        await using var hook = new LoopbackHttpServer(_ => new HttpReply(answer, answer == 500 ? "down for maintenance" : ""));
        var config = folder.File("pipewatch.yml");
        await File.WriteAllTextAsync(config, $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {hook.Url}/pipewatch\n      max-attempts: 1\n", TestContext.Current.CancellationToken);
        await using var serve = await ServeProcess.StartOnAsync(folder, store, "--config", config);
        using var client = new HttpClient { BaseAddress = serve.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.ApiToken);

        Assert.Equal(1, await QueueIntegrationTests.PostAllAsync(serve.Address, [("member", Member("acme/alerts", "newcomer", 93_001))], parallel: 1));
        await hook.WaitForAsync(1, 60);
        JsonNode? letters = null;
        await QueueIntegrationTests.WaitAsync(
            async () => (letters = JsonNode.Parse(await client.GetStringAsync("/api/alerts/dead-letters", TestContext.Current.CancellationToken)))!["count"]!.GetValue<int>() == 1,
            "one dead letter listed");
        var letter = letters!["dead_letters"]![0]!;
        var fingerprint = Assert.Single(Findings(store).Keys);
        Assert.Equal(("soc", fingerprint, 1, "HTTP 500: down for maintenance"), (letter["route"]!.GetValue<string>(), letter["fingerprint"]!.GetValue<string>(), letter["attempts"]!.GetValue<int>(), letter["error"]!.GetValue<string>()));

        answer = 200;
        using (var retry = await client.PostAsync("/api/alerts/retry", new StringContent("""{"route":"soc"}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken))
        {
            var outcome = JsonNode.Parse(await retry.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
            Assert.Equal((HttpStatusCode.OK, 1, 1), (retry.StatusCode, outcome["retried"]!.GetValue<int>(), outcome["delivered"]!.GetValue<int>()));
        }

        Assert.Equal(2, hook.Requests.Count);
        Assert.Equal(0, JsonNode.Parse(await client.GetStringAsync("/api/alerts/dead-letters", TestContext.Current.CancellationToken))!["count"]!.GetValue<int>());
        await serve.StopAsync();
        // The alert went through the outbox in the findings' transaction and left it with its outcome.
        Assert.Equal((0L, 1L), (await ScalarAsync(database, "SELECT count(*) FROM alert_outbox"), await ScalarAsync(database, "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'")));
    }

    [Fact]
    public async Task Store_migrate_takes_a_database_of_schema_1_to_the_current_schema_once_keeping_its_findings()
    {
        var database = await postgres.CreateDatabaseAsync();
        var store = postgres.Uri(database);
        // A database as the first release with a PostgreSQL store left it: migration 1 applied, one finding stored.
        await using (var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString(database)))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var setup = new Npgsql.NpgsqlCommand(
                PostgresMigrations.SchemaTable + PostgresMigrations.All[0]
                + "INSERT INTO pipewatch_schema (version) VALUES (1);"
                + "INSERT INTO findings (fingerprint, rule, category, severity, repository, timestamp, detected_at, body) VALUES ('f1', 'r', 'c', 2, 'acme/app', now(), now(), '{}');",
                connection);
            await setup.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal((1, PostgresMigrations.All.Count), StoreFactory.Migrate(store));
        Assert.Equal((PostgresMigrations.All.Count, PostgresMigrations.All.Count), StoreFactory.Migrate(store));
        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM findings WHERE fingerprint = 'f1'"));
        Assert.Equal((long)PostgresMigrations.All.Count, await ScalarAsync(database, "SELECT count(*) FROM pipewatch_schema"));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM suppressions"));
    }

    private async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static readonly string[] CorpusFindingFiles = QueueIntegrationTests.CorpusFindings;

    /// <summary>Every GitHub webhook of the corpus, in a fixed order, with its event name.</summary>
    private static List<(string Event, byte[] Body)> CorpusWebhooks() =>
        [.. Directory.GetFiles(Corpus.File("github-webhooks"), "*.payload.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(Path.GetDirectoryName(f))!, File.ReadAllBytes(f)))];

    private static byte[] Member(string repository, string login, int id)
    {
        var member = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "member", "added.payload.json")))!;
        member["repository"]!["full_name"] = repository;
        member["repository"]!["name"] = repository.Split('/')[1];
        member["member"]!["login"] = login;
        member["member"]!["id"] = id;
        return Encoding.UTF8.GetBytes(member.ToJsonString());
    }

    /// <summary>The stored findings by fingerprint: what they say (rule, severity, title, explanation, repository, place).</summary>
    private static SortedDictionary<string, Said> Findings(string location)
    {
        using var reader = StoreFactory.OpenReader(location);
        var findings = new SortedDictionary<string, Said>(StringComparer.Ordinal);
        foreach (var f in reader.PageFindings(new FindingQuery(), null, 1000).Items)
        {
            findings[f.Fingerprint] = new Said(f.Rule, f.Severity, f.Title, f.Explanation, f.Entity.Repository, f.Location.File, f.Timestamp);
        }

        return findings;
    }

    private sealed record Said(string Rule, Severity Severity, string Title, string Explanation, string? Repository, string? File, DateTimeOffset Timestamp);

    private static async Task PostAsync(RunningServer server, string fileOrEvent, byte[] body)
    {
        using var response = await server.PostGitHubAsync(body, fileOrEvent.Split('/')[0], signature: RunningServer.Sign(body));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<JsonElement> PostJsonAsync(RunningServer server, string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.ApiToken);
        using var response = await server.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<List<string>> FingerprintsAsync(RunningServer server, string query) =>
        [.. (await server.AllFindingsAsync(query)).Select(f => f.GetProperty("fingerprint").GetString()!)];
}
