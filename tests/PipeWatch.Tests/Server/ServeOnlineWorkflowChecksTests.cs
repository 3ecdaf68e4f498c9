using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary><c>serve</c> with a GitHub token runs <c>scan --online</c>'s workflow checks on a followed repository's pushes; without one it asks nothing.</summary>
public sealed class ServeOnlineWorkflowChecksTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_pushed_workflow_is_checked_against_github_only_when_serve_has_a_token(bool token)
    {
        var unexpected = new List<string>();
        await using var github = new LoopbackHttpServer(r => OnlineActionRefsTests.Answer(r, unexpected));
        using var repository = new TestRepository();
        using var remote = new TempFolder();
        var bare = Path.Combine(remote.Path, "app.git");
        repository.Write("README.md", "# app\n");
        var first = repository.Commit("init");
        repository.Git("clone", "--quiet", "--bare", repository.Path, bare);
        repository.Git("remote", "add", "origin", bare);
        await using var server = await RunningServer.StartAsync(
            $"serve:\n  github-api-url: '{github.Url}'\n  repositories:\n    - name: acme/app\n      url: '{bare}'\n",
            token ? new Dictionary<string, string> { ["PIPEWATCH_GITHUB_TOKEN"] = OnlineActionRefsTests.Token } : []);

        repository.Write(".github/workflows/ci.yml", OnlineActionRefsTests.Workflow);
        var pinned = repository.Commit("ci");
        repository.Git("push", "--quiet", "origin", "main");
        await PushAsync(server, first, pinned);
        var online = OnlineActionRefsTests.Online(await server.AllFindingsAsync());

        if (!token)
        {
            Assert.Empty(online);
            Assert.Empty(github.Requests);
            return;
        }

        Assert.Equal(
            ["pipeline-tampering.impostor-commit:9", "pipeline-tampering.ref-version-mismatch:10", "pipeline-tampering.ref-confusion:11"],
            online.Select(f => $"{f.Rule}:{f.Line}"));
        OnlineActionRefsTests.AssertDocumented(github);
        Assert.Empty(unexpected);
        Assert.Empty(server.Problems.Problems);
    }

    private static async Task PushAsync(RunningServer server, string before, string after)
    {
        var push = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "push", "payload.json")))!;
        push["ref"] = "refs/heads/main";
        push["before"] = before;
        push["after"] = after;
        push["forced"] = false;
        push["repository"]!["full_name"] = "acme/app";
        var body = Encoding.UTF8.GetBytes(push.ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "push", signature: RunningServer.Sign(body))).StatusCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await server.DrainedAsync();
            var health = await server.GetJsonAsync("/api/health", null);
            if (health.GetProperty("following").GetInt32() == 0 && health.GetProperty("backlog").GetInt64() == 0) return;
            Assert.True(DateTime.UtcNow < deadline, "the server did not settle");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
