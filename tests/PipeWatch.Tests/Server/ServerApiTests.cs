using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>The API of the real server: its token, findings with paging while the engine writes, triage actions and suppressions.</summary>
public sealed class ServerApiTests
{
    private static readonly string[] FindingPayloads =
        ["member/added.payload.json", "repository/publicized.payload.json", "branch_protection_rule/deleted.payload.json", "deploy_key/created.payload.json"];

    [Fact]
    public async Task Every_api_route_needs_the_token_401_without_and_403_with_a_wrong_one_but_health_and_metrics_are_open()
    {
        await using var server = await RunningServer.StartAsync();

        foreach (var path in new[] { "/api/findings", "/api/incidents", "/api/suppressions", "/api/findings/abc", "/api/events?repository=x", "/api/baselines?key=x" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(server, HttpMethod.Get, path, null));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(server, HttpMethod.Get, path, "not-the-token"));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(server, HttpMethod.Post, "/api/findings/abc/ack", null));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, HttpMethod.Get, "/api/health", null));
        var metrics = await server.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("pipewatch_intake_backlog 0", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE pipewatch_processing_seconds histogram", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_generated_at_first_start_is_printed_once_and_only_its_hash_is_stored()
    {
        using var folder = new TempFolder();
        var first = new StringWriter();
        var noToken = new Dictionary<string, string> { ["PIPEWATCH_API_TOKEN"] = "" };
        string token;
        await using (var server = await RunningServer.StartAsync(environment: noToken, folder: folder, output: first))
        {
            token = first.ToString().Split("API token (shown once; only its hash is stored): ")[1].Trim();
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, HttpMethod.Get, "/api/findings", token));
        }

        var second = new StringWriter();
        await using (var server = await RunningServer.StartAsync(environment: noToken, folder: folder, output: second))
        {
            Assert.DoesNotContain("API token", second.ToString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, HttpMethod.Get, "/api/findings", token));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(server, HttpMethod.Get, "/api/findings", RunningServer.ApiToken));
        }

        Assert.DoesNotContain(token, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(folder.File("pipewatch.db"), TestContext.Current.CancellationToken)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paging_is_stable_while_the_engine_writes_and_ack_close_reopen_and_suppress_change_the_listing_and_are_recorded()
    {
        await using var server = await RunningServer.StartAsync();
        foreach (var file in FindingPayloads) await PostAsync(server, file, File.ReadAllBytes(Corpus.File("github-webhooks", file)));
        await server.DrainedAsync();
        var all = await server.AllFindingsAsync();
        Assert.Equal(4, all.Count);

        // A walk one finding a page, with more findings committed between the pages: each of the four once, none of the new ones.
        var seen = new List<string>();
        var page = await server.GetJsonAsync("/api/findings?limit=1");
        var member = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "member", "added.payload.json")))!;
        for (var i = 0; page.GetProperty("next").ValueKind == JsonValueKind.String; i++)
        {
            seen.AddRange(page.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("fingerprint").GetString()!));
            member["member"]!["login"] = $"newcomer-{i}";
            member["member"]!["id"] = 90_000 + i;
            await PostAsync(server, "member", Encoding.UTF8.GetBytes(member.ToJsonString()));
            await server.DrainedAsync();
            page = await server.GetJsonAsync($"/api/findings?limit=1&cursor={Uri.EscapeDataString(page.GetProperty("next").GetString()!)}");
        }

        seen.AddRange(page.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("fingerprint").GetString()!));
        Assert.Equal(all.Select(f => f.GetProperty("fingerprint").GetString()).Order(), seen.Order());
        Assert.True((await server.AllFindingsAsync()).Count > 4);

        var deployKey = all.Single(f => f.GetProperty("rule").GetString() == "secrets.unauthorized-access").GetProperty("fingerprint").GetString()!;
        var publicized = all.Single(f => f.GetProperty("title").GetString()!.Contains("public", StringComparison.OrdinalIgnoreCase)).GetProperty("fingerprint").GetString()!;

        var acked = await PostJsonAsync(server, $"/api/findings/{deployKey}/ack", new JsonObject { ["by"] = "alice", ["reason"] = "looking" });
        Assert.Equal("acknowledged", acked.GetProperty("status").GetString());
        await PostJsonAsync(server, $"/api/findings/{publicized}/close", new JsonObject { ["by"] = "bob", ["reason"] = "intended" });
        Assert.DoesNotContain(publicized, await FingerprintsAsync(server, ""));
        Assert.Contains(deployKey, await FingerprintsAsync(server, ""));
        Assert.Equal([publicized], await FingerprintsAsync(server, "status=closed"));
        var history = (await server.GetJsonAsync($"/api/findings/{publicized}")).GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(("close", "bob", "intended"), (history[0].GetProperty("action").GetString(), history[0].GetProperty("by").GetString(), history[0].GetProperty("reason").GetString()));
        await PostJsonAsync(server, $"/api/findings/{publicized}/reopen", new JsonObject { ["by"] = "bob" });
        Assert.Contains(publicized, await FingerprintsAsync(server, ""));

        var suppression = await PostJsonAsync(server, "/api/suppressions", new JsonObject { ["rule"] = "secrets.unauthorized-access", ["reason"] = "deploy keys are reviewed elsewhere", ["expires"] = "7d", ["by"] = "carol" });
        Assert.Equal("carol", suppression.GetProperty("createdBy").GetString());
        Assert.DoesNotContain(deployKey, await FingerprintsAsync(server, ""));
        Assert.Equal([deployKey], await FingerprintsAsync(server, "status=suppressed"));
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/suppressions/{suppression.GetProperty("id").GetString()}"))
        {
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningServer.ApiToken);
            Assert.Equal(HttpStatusCode.NoContent, (await server.Client.SendAsync(delete, TestContext.Current.CancellationToken)).StatusCode);
        }

        Assert.Contains(deployKey, await FingerprintsAsync(server, ""));
        var kept = (await server.GetJsonAsync("/api/suppressions?all=true")).GetProperty("suppressions").EnumerateArray().Single();
        Assert.Equal("api", kept.GetProperty("deletedBy").GetString());
    }

    [Fact]
    public async Task Events_and_baselines_are_listed_per_key_for_a_dashboard()
    {
        await using var server = await RunningServer.StartAsync();
        var body = File.ReadAllBytes(Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json"));
        await PostAsync(server, "workflow_job", body);
        await server.DrainedAsync();
        var repository = JsonNode.Parse(body)!["repository"]!["full_name"]!.GetValue<string>();

        // An empty intake backlog means the payload was taken, not that the engine has listed its event yet: wait (bounded) for it.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        List<JsonElement> events;
        while ((events = (await server.GetJsonAsync($"/api/events?repository={Uri.EscapeDataString(repository)}")).GetProperty("events").EnumerateArray().ToList()).Count == 0
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal("github.workflow_job", Assert.Single(events).GetProperty("dataset").GetString());
        var baselines = (await server.GetJsonAsync("/api/baselines?key=pipeline.")).GetProperty("baselines").EnumerateArray().ToList();
        Assert.NotEmpty(baselines);
        Assert.All(baselines, b => Assert.StartsWith("pipeline.", b.GetProperty("key").GetString()));
    }

    private static async Task<HashSet<string>> FingerprintsAsync(RunningServer server, string query) =>
        [.. (await server.AllFindingsAsync(query.Length == 0 ? "x=1" : query)).Select(f => f.GetProperty("fingerprint").GetString()!)];

    private static async Task PostAsync(RunningServer server, string fileOrEvent, byte[] body)
    {
        var eventName = fileOrEvent.Split('/')[0];
        using var response = await server.PostGitHubAsync(body, eventName, signature: RunningServer.Sign(body));
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

    private static async Task<HttpStatusCode> StatusAsync(RunningServer server, HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Client.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
