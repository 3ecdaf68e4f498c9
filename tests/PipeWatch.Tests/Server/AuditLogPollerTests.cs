using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>
/// The audit-log pollers of the server against loopback stand-ins for the GitHub and GitLab APIs that check the documented
/// request (path, query, auth header, paging) and serve real-format entries; a restart over the same folder resumes at the cursor.
/// </summary>
public sealed class AuditLogPollerTests
{
    private const string GitHubToken = "github-audit-token-for-tests";
    private const string GitLabToken = "gitlab-audit-token-for-tests";

    [Fact]
    public async Task A_github_organization_audit_log_is_read_page_by_page_and_a_restart_resumes_at_the_stored_cursor()
    {
        var destroy = PantherEvent("github_branch_protection_disabled.json", "protected_branch.destroy");
        var rename = PantherEvent("github_branch_protection_disabled.json", "protected_branch.update_name");
        var policyOverride = PantherEvent("github_branch_policy_override.json", "protected_branch.policy_override");
        var ruleset = PantherEvent("github_repo_ruleset_modified.json", "repository_ruleset.destroy");
        var restarted = false;
        await using var api = new LoopbackHttpServer();
        api.Respond = request =>
        {
            var query = Query(request.Path);
            if (!request.Path.StartsWith("/orgs/acme/audit-log?", StringComparison.Ordinal) || request.Method != "GET") return new HttpReply(404, "{}");
            if (request.Headers.GetValueOrDefault("Authorization") != $"Bearer {GitHubToken}" || request.Headers.GetValueOrDefault("Accept") != "application/vnd.github+json"
                || request.Headers.GetValueOrDefault("X-GitHub-Api-Version") != "2022-11-28")
            {
                return new HttpReply(401, """{"message":"Bad credentials"}""");
            }

            if (query.GetValueOrDefault("per_page") != "100" || query.GetValueOrDefault("order") != "asc") return new HttpReply(422, "{}");
            if (!query.TryGetValue("after", out var after))
            {
                // The first page, and a Link header to the next, as GitHub gives it.
                return new HttpReply(200, Array(destroy, rename), new Dictionary<string, string>
                {
                    ["Link"] = $"<{api.Url}/orgs/acme/audit-log?per_page=100&order=asc&after=page-2-cursor&before=>; rel=\"next\"",
                });
            }

            // The last page: no next link; after the restart, one entry more has come.
            return after == "page-2-cursor"
                ? new HttpReply(200, restarted ? Array(policyOverride, ruleset) : Array(policyOverride))
                : new HttpReply(400, "{}");
        };
        using var folder = new TempFolder();
        var yaml = $"serve:\n  github-api-url: '{api.Url}'\n  audit-logs:\n    - github-organization: acme\n      phrase: 'action:protected_branch'\n      interval: 1h\n";
        var environment = new Dictionary<string, string> { ["PIPEWATCH_GITHUB_TOKEN"] = GitHubToken };

        await using (var server = await RunningServer.StartAsync(yaml, environment, folder))
        {
            await api.WaitForAsync(2);
            var findings = await FindingsAsync(server, 2);

            Assert.Equal(["protected_branch.destroy", "protected_branch.policy_override"], Actions(findings));
            Assert.All(findings, f => Assert.Equal("access.permission-widened", f.GetProperty("category").GetString()));
            Assert.Empty(server.Problems.Problems);
        }

        var first = Query(api.Requests[0].Path);
        Assert.StartsWith("action:protected_branch created:>=", first["phrase"], StringComparison.Ordinal);
        Assert.False(first.ContainsKey("after"));
        Assert.Equal("action:protected_branch", Query(api.Requests[1].Path)["phrase"]);

        restarted = true;
        await using (var server = await RunningServer.StartAsync(yaml, environment, folder))
        {
            await api.WaitForAsync(3);
            var findings = await FindingsAsync(server, 3);

            Assert.Equal(["protected_branch.destroy", "protected_branch.policy_override", "repository_ruleset.destroy"], Actions(findings));
            Assert.Empty(server.Problems.Problems);
        }

        // The restart asked from the stored cursor, not from the start.
        Assert.Equal(3, api.Requests.Count);
        Assert.Equal("page-2-cursor", Query(api.Requests[2].Path)["after"]);
        Assert.Equal("action:protected_branch", Query(api.Requests[2].Path)["phrase"]);
    }

    [Fact]
    public async Task Gitlab_group_audit_events_are_read_by_keyset_pages_and_a_restart_asks_from_the_last_entry_and_drops_what_it_had()
    {
        var archived = GitLabEvent(101, "2025-03-01T10:00:00.000Z", """{"custom_message":"Project archived","author_name":"Administrator","author_email":"admin@example.com","target_id":"acme/app","target_type":"Project","target_details":"acme/app","ip_address":"203.0.113.9","entity_path":"acme/app"}""");
        var visibility = GitLabEvent(102, "2025-03-01T10:05:00.000Z", """{"change":"visibility","from":"Private","to":"Public","author_name":"John Doe","target_id":7,"target_type":"Project","target_details":"acme/app","entity_path":"acme/app","ip_address":"203.0.113.9"}""");
        var member = GitLabEvent(103, "2025-03-01T11:00:00.000Z", """{"add":"user_access","as":"Owner","author_name":"John Doe","target_id":9,"target_type":"User","target_details":"mallory","entity_path":"acme/app","ip_address":"203.0.113.9"}""");
        var restarted = false;
        await using var api = new LoopbackHttpServer();
        api.Respond = request =>
        {
            if (request.Headers.GetValueOrDefault("PRIVATE-TOKEN") != GitLabToken) return new HttpReply(401, """{"message":"401 Unauthorized"}""");
            if (!request.Path.StartsWith("/api/v4/groups/42/audit_events?", StringComparison.Ordinal)) return new HttpReply(404, "{}");
            var query = Query(request.Path);
            if (query.GetValueOrDefault("pagination") != "keyset" || query.GetValueOrDefault("order_by") != "id" || query.GetValueOrDefault("sort") != "asc"
                || query.GetValueOrDefault("per_page") != "2" || !query.ContainsKey("created_after"))
            {
                return new HttpReply(400, """{"error":"bad query"}""");
            }

            if (query.ContainsKey("cursor")) return new HttpReply(200, Array(visibility));
            if (restarted) return new HttpReply(200, Array(visibility, member)); // from the last entry's time: it again, and the new one
            return new HttpReply(200, Array(archived), new Dictionary<string, string>
            {
                ["Link"] = $"<{api.Url}/api/v4/groups/42/audit_events?cursor=after-101&order_by=id&pagination=keyset&per_page=2&sort=asc&created_after=x>; rel=\"next\"",
            });
        };
        using var folder = new TempFolder();
        var yaml = $"serve:\n  gitlab-api-url: '{api.Url}/api/v4'\n  audit-logs:\n    - gitlab-group: 42\n      per-page: 2\n      interval: 1h\n";
        var environment = new Dictionary<string, string> { ["PIPEWATCH_GITLAB_TOKEN"] = GitLabToken };

        await using (var server = await RunningServer.StartAsync(yaml, environment, folder))
        {
            await api.WaitForAsync(2);
            Assert.Equal(2, await EventsInAsync(server, 2));
            Assert.Empty(server.Problems.Problems);
        }

        restarted = true;
        await using (var server = await RunningServer.StartAsync(yaml, environment, folder))
        {
            await api.WaitForAsync(3);
            // Only the new entry is queued: the one at the cursor is dropped before it reaches the engine (events read since this start).
            Assert.Equal(1, await EventsInAsync(server, 1));
            Assert.Empty(server.Problems.Problems);
        }

        Assert.Equal("2025-03-01T10:05:00.000Z", Query(api.Requests[2].Path)["created_after"]);
        Assert.Equal(3, api.Requests.Count);
    }

    [Fact]
    public async Task A_rate_limited_answer_is_retried_after_the_time_it_asks_for()
    {
        var destroy = PantherEvent("github_branch_protection_disabled.json", "protected_branch.destroy");
        await using var api = new LoopbackHttpServer();
        api.Respond = request => api.Requests.Count == 1
            ? new HttpReply(429, """{"message":"API rate limit exceeded"}""", new Dictionary<string, string> { ["Retry-After"] = "1" })
            : new HttpReply(200, Array(destroy));
        var yaml = $"serve:\n  github-api-url: '{api.Url}'\n  audit-logs:\n    - github-enterprise: acme-corp\n      interval: 1h\n";
        await using var server = await RunningServer.StartAsync(yaml, new Dictionary<string, string> { ["PIPEWATCH_GITHUB_TOKEN"] = GitHubToken });

        var requests = await api.WaitForAsync(2);
        var findings = await FindingsAsync(server, 1);

        Assert.All(requests, r => Assert.StartsWith("/enterprises/acme-corp/audit-log?", r.Path, StringComparison.Ordinal));
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromSeconds(0.9), $"retried after {(requests[1].ReceivedAt - requests[0].ReceivedAt).TotalSeconds:0.00} s");
        Assert.Equal(["protected_branch.destroy"], Actions(findings));
    }

    [Fact]
    public async Task A_poller_without_a_token_asks_nothing_and_says_why()
    {
        await using var api = new LoopbackHttpServer();
        var yaml = $"serve:\n  github-api-url: '{api.Url}'\n  audit-logs:\n    - github-organization: acme\n      interval: 1h\n";
        await using var server = await RunningServer.StartAsync(yaml);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (server.Problems.Problems.Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(20, TestContext.Current.CancellationToken);

        Assert.Equal("audit log github:orgs/acme/audit-log (orgs/acme/audit-log): polling failed: no token: set PIPEWATCH_GITHUB_TOKEN", Assert.Single(server.Problems.Problems).ToString());
        Assert.Empty(api.Requests);
    }

    private static JsonNode PantherEvent(string file, string action)
    {
        var tests = JsonNode.Parse(File.ReadAllText(Corpus.File("github-audit", "panther-tests", file)))!["tests"]!.AsArray();
        return tests.Select(t => t!["event"]!).First(e => e["action"]!.GetValue<string>() == action).DeepClone();
    }

    private static JsonNode GitLabEvent(long id, string created, string details) => JsonNode.Parse(
        $$"""{"id":{{id}},"author_id":3,"entity_id":7,"entity_type":"Project","details":{{details}},"event_type":null,"created_at":"{{created}}"}""")!;

    private static string Array(params JsonNode[] entries) => new JsonArray([.. entries.Select(e => e.DeepClone())]).ToJsonString();

    private static Dictionary<string, string> Query(string target)
    {
        var query = target.Contains('?', StringComparison.Ordinal) ? target[(target.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";
        return query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "", StringComparer.Ordinal);
    }

    private static List<string> Actions(List<JsonElement> findings) =>
        [.. findings.Select(f => f.GetProperty("evidence").EnumerateArray().First(e => e.GetProperty("name").GetString() == "action").GetProperty("value").GetString()!).Order(StringComparer.Ordinal)];

    /// <summary>Waits (bounded) until the API lists <paramref name="count"/> findings, then a moment more to see that no more come.</summary>
    private static async Task<List<JsonElement>> FindingsAsync(RunningServer server, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await server.DrainedAsync();
            var findings = await server.AllFindingsAsync();
            if (findings.Count >= count || DateTime.UtcNow > deadline)
            {
                await Task.Delay(300, TestContext.Current.CancellationToken);
                await server.DrainedAsync();
                return await server.AllFindingsAsync();
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Events the server has read since it started (<c>pipewatch_events_total</c>), once there are <paramref name="count"/> (bounded wait) and a moment more has passed.</summary>
    private static async Task<long> EventsInAsync(RunningServer server, long count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ReadAsync() < count && DateTime.UtcNow < deadline) await Task.Delay(50, TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        return await ReadAsync();

        async Task<long> ReadAsync()
        {
            await server.DrainedAsync();
            var text = await server.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("pipewatch_events_total ", StringComparison.Ordinal));
            return line is null ? 0 : (long)double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
