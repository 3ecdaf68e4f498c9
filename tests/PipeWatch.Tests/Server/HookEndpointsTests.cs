using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>The webhook intake of the real server on a loopback port: the corpus's real webhooks, signed here, and every refusal.</summary>
public sealed class HookEndpointsTests
{
    private static readonly string[] ReadEvents =
        ["workflow_job", "workflow_run", "deployment", "deployment_status", "deployment_review", "push", "member", "membership", "organization", "deploy_key",
         "secret_scanning_alert", "branch_protection_rule", "repository"];

    [Fact]
    public async Task Signed_corpus_webhooks_are_accepted_and_yield_the_findings_ingest_gives_for_the_same_files()
    {
        await using var server = await RunningServer.StartAsync();
        var files = Directory.GetDirectories(Corpus.File("github-webhooks"))
            .SelectMany(folder => Directory.GetFiles(folder, "*.json").Select(file => (Event: Path.GetFileName(folder), File: file)))
            .OrderBy(f => f.File, StringComparer.Ordinal).ToList();
        var accepted = 0;
        foreach (var (eventName, file) in files)
        {
            var body = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
            // The delivery id names the event, and so does the findings' location (webhook:github/DELIVERY).
            using var response = await server.PostGitHubAsync(body, eventName, delivery: $"{eventName}.{accepted}", signature: RunningServer.Sign(body));
            var expected = ReadEvents.Contains(eventName) ? HttpStatusCode.Accepted : HttpStatusCode.OK;
            Assert.True(expected == response.StatusCode, $"{file}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            if (expected == HttpStatusCode.Accepted) accepted++;
        }

        await server.DrainedAsync();
        var findings = await server.AllFindingsAsync();

        Assert.True(accepted > 40, $"only {accepted} corpus webhooks of read events");
        // The same four findings `pipewatch ingest` gives for these files (see the ingest tests' corpus run).
        Assert.Equal(
            ["access.permission-widened high branch_protection_rule", "access.permission-widened high repository", "access.permission-widened medium member",
             "secrets.unauthorized-access medium deploy_key"],
            findings.Select(f => $"{f.GetProperty("rule").GetString()} {f.GetProperty("severity").GetString()} {Event(f)}").Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.StartsWith("webhook:github/", f.GetProperty("location").GetProperty("file").GetString()));
        // A committed payload's row is deleted by the queue's next group commit, a moment after the backlog counts it done
        // (a restart in between re-queues it and the ledger skips its events): wait for that write, bounded.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (CountRows(server, "intake") > 0 && DateTime.UtcNow < deadline) await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.Equal(0, CountRows(server, "intake"));
    }

    [Fact]
    public async Task Unsigned_tampered_replayed_oversized_and_malformed_webhooks_are_refused_and_nothing_of_them_is_stored()
    {
        await using var server = await RunningServer.StartAsync("serve:\n  max-body-bytes: 16384\n");
        var body = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "member", "added.payload.json"), TestContext.Current.CancellationToken);
        Assert.True(body.Length < 16384);
        var tampered = body.ToArray();
        tampered[Array.IndexOf(tampered, (byte)'a')] = (byte)'b';
        var big = Encoding.UTF8.GetBytes("{\"padding\":\"" + new string('x', 20_000) + "\"}");
        var malformed = Encoding.UTF8.GetBytes("{\"action\": \"added\", ");

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostGitHubAsync(body, "member")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostGitHubAsync(tampered, "member", signature: RunningServer.Sign(body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostGitHubAsync(body, "member", signature: RunningServer.Sign(body, "wrong secret"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostGitHubAsync(body, "member", signature: "sha256=zz")).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await server.PostGitHubAsync(big, "member", signature: RunningServer.Sign(big))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.PostGitHubAsync(malformed, "member", signature: RunningServer.Sign(malformed))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.PostGitHubAsync(body, "member", delivery: "no spaces allowed", signature: RunningServer.Sign(body))).StatusCode);
        Assert.Equal(0, CountRows(server, "deliveries"));

        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "member", delivery: "d-1", signature: RunningServer.Sign(body))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await server.PostGitHubAsync(body, "member", delivery: "d-1", signature: RunningServer.Sign(body))).StatusCode);
        var ping = Encoding.UTF8.GetBytes("{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}");
        Assert.Equal(HttpStatusCode.OK, (await server.PostGitHubAsync(ping, "ping", signature: RunningServer.Sign(ping))).StatusCode);
        await server.DrainedAsync();

        Assert.Equal(1, CountRows(server, "deliveries"));
        Assert.Single(await server.AllFindingsAsync());
        Assert.Contains(server.Problems.Problems, p => p.Reason.Contains("X-Hub-Signature-256 does not match the body", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Problems.Problems, p => p.Reason.Contains(RunningServer.GitHubSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Past_the_backlog_bound_a_webhook_is_refused_with_429_and_retry_after_and_not_stored_and_its_retry_is_accepted()
    {
        await using var server = await RunningServer.StartAsync("serve:\n  backlog: 1\n");
        var bodies = ServeDurabilityTests.MemberPayloads(2);
        HttpResponseMessage refused;
        using (var store = new SqliteConnection($"Data Source={server.StorePath};Pooling=False"))
        {
            // The store's write lock held here: the engine cannot commit the first payload, so it stays in the backlog.
            store.Open();
            using (var begin = store.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }

            Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(bodies[0], "member", "delivery-0", RunningServer.Sign(bodies[0]))).StatusCode);
            refused = await server.PostGitHubAsync(bodies[1], "member", "delivery-1", RunningServer.Sign(bodies[1]));
            Assert.Equal(1, IntakeRows(server));
            using var rollback = store.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("2", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal("""{"status":"refused","reason":"the intake backlog is full; retry later"}""", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await server.DrainedAsync();

        // The refused delivery was not remembered: its retry is accepted, not taken for a replay.
        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(bodies[1], "member", "delivery-1", RunningServer.Sign(bodies[1]))).StatusCode);
        await server.DrainedAsync();
        Assert.Equal(["contractor-0", "contractor-1"], (await server.AllFindingsAsync()).Select(f => f.GetProperty("entity").GetProperty("target").GetString()).Order(StringComparer.Ordinal));
    }

    private static long IntakeRows(RunningServer server)
    {
        using var intake = new SqliteConnection($"Data Source={server.Folder.File("pipewatch.intake.db")};Pooling=False;Mode=ReadOnly");
        intake.Open();
        using var count = intake.CreateCommand();
        count.CommandText = "SELECT count(*) FROM intake";
        return (long)count.ExecuteScalar()!;
    }

    [Fact]
    public async Task A_webhook_signed_with_any_configured_secret_is_accepted_during_a_rotation()
    {
        await using var server = await RunningServer.StartAsync($"serve:\n  github-webhook-secrets: ['{RunningServer.RotatedSecret}']\n");
        var body = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "member", "added.payload.json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "member", signature: RunningServer.Sign(body))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "member", signature: RunningServer.Sign(body, RunningServer.RotatedSecret))).StatusCode);
    }

    [Fact]
    public async Task GitLab_hooks_need_the_token_and_name_their_event()
    {
        await using var server = await RunningServer.StartAsync();
        var body = await File.ReadAllBytesAsync(Corpus.File("gitlab-webhooks", "pipeline.json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostGitLabAsync(server, body, null, "Pipeline Hook", "u-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostGitLabAsync(server, body, "wrong", "Pipeline Hook", "u-1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostGitLabAsync(server, body, RunningServer.GitLabToken, null, "u-1")).StatusCode);
        Assert.Equal(0, CountRows(server, "deliveries"));
        Assert.Equal(HttpStatusCode.Accepted, (await PostGitLabAsync(server, body, RunningServer.GitLabToken, "Pipeline Hook", "u-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PostGitLabAsync(server, body, RunningServer.GitLabToken, "Pipeline Hook", "u-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostGitLabAsync(server, body, RunningServer.GitLabToken, "Issue Hook", "u-2")).StatusCode);
        await server.DrainedAsync();
        Assert.Equal(1, CountRows(server, "deliveries"));
    }

    [Fact]
    public async Task Generic_jenkins_and_ingest_endpoints_need_the_bearer_token_and_ingest_takes_json_lines()
    {
        await using var server = await RunningServer.StartAsync();
        var lines = string.Join('\n', new[] { "member/added.payload.json", "repository/publicized.payload.json" }
            .Select(f => File.ReadAllText(Corpus.File("github-webhooks", f)).ReplaceLineEndings(" ")));
        var body = Encoding.UTF8.GetBytes(lines + "\n");
        var badLine = Encoding.UTF8.GetBytes(lines + "\n{not json\n");

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostWithTokenAsync("/ingest", body, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostWithTokenAsync("/hooks/generic", body, "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.PostWithTokenAsync("/hooks/jenkins", body, RunningServer.GitLabToken)).StatusCode);
        using var bad = await server.PostWithTokenAsync("/ingest", badLine, RunningServer.IngestToken);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("line 3 is not valid JSON", await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Accepted, (await server.PostWithTokenAsync("/ingest", body, RunningServer.IngestToken, "batch-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await server.PostWithTokenAsync("/ingest", body, RunningServer.IngestToken, "batch-1")).StatusCode);
        await server.DrainedAsync();

        Assert.Equal(["access.permission-widened", "access.permission-widened"], (await server.AllFindingsAsync()).Select(f => f.GetProperty("rule").GetString()));
    }

    private static Task<HttpResponseMessage> PostGitLabAsync(RunningServer server, byte[] body, string? token, string? eventName, string uuid)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = new ByteArrayContent(body) };
        if (token is not null) request.Headers.Add("X-Gitlab-Token", token);
        if (eventName is not null) request.Headers.Add("X-Gitlab-Event", eventName);
        request.Headers.Add("X-Gitlab-Event-UUID", uuid);
        return server.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static string Event(System.Text.Json.JsonElement finding)
    {
        var file = finding.GetProperty("location").GetProperty("file").GetString()!;
        return file["webhook:github/".Length..file.LastIndexOf('.')];
    }

    internal static long CountRows(RunningServer server, string table)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.Folder.Path, "pipewatch.intake.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }
}
