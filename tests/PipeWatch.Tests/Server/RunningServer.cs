using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Server;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>The real server on a free loopback port over a fresh store, with known secrets; disposed with its folder.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    public const string GitHubSecret = "it's a secret to everybody";
    public const string RotatedSecret = "the next secret";
    public const string GitLabToken = "gitlab-hook-token";
    public const string IngestToken = "ingest-token-1";
    public const string ApiToken = "api-token-for-tests";

    private readonly bool _ownsFolder;

    private RunningServer(TempFolder folder, bool ownsFolder, PipeWatchServer server, ProblemLog problems)
    {
        Folder = folder;
        _ownsFolder = ownsFolder;
        Server = server;
        Problems = problems;
        Client = new HttpClient { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromSeconds(30) };
    }

    public TempFolder Folder { get; }

    public PipeWatchServer Server { get; }

    public ProblemLog Problems { get; }

    public HttpClient Client { get; }

    public string StorePath => Folder.File("pipewatch.db");

    public static async Task<RunningServer> StartAsync(
        string? yaml = null, IReadOnlyDictionary<string, string>? environment = null, TempFolder? folder = null, TextWriter? output = null, TimeProvider? time = null, string? store = null)
    {
        var ownsFolder = folder is null;
        folder ??= new TempFolder();
        var env = new Dictionary<string, string>
        {
            ["PIPEWATCH_GITHUB_WEBHOOK_SECRET"] = GitHubSecret,
            ["PIPEWATCH_GITLAB_WEBHOOK_TOKEN"] = GitLabToken,
            ["PIPEWATCH_INGEST_TOKEN"] = IngestToken,
            ["PIPEWATCH_API_TOKEN"] = ApiToken,
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
        var config = yaml is null ? PipeWatchConfig.Default : ConfigLoader.Parse(yaml, folder.File("pipewatch.yml"));
        var problems = new ProblemLog();
        var server = await PipeWatchServer.StartAsync(
            new ServerSettings
            {
                StorePath = store ?? folder.File("pipewatch.db"),
                DataFolder = folder.File("serve"),
                Urls = "http://127.0.0.1:0",
                Config = config,
                Environment = name => env.TryGetValue(name, out var value) ? value : null,
                Problems = problems,
                Out = output ?? TextWriter.Null,
                Time = time ?? TimeProvider.System,
            },
            TestContext.Current.CancellationToken);
        return new RunningServer(folder, ownsFolder, server, problems);
    }

    public static string Sign(byte[] body, string secret = GitHubSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public Task<HttpResponseMessage> PostGitHubAsync(byte[] body, string eventName, string? delivery = null, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        if (signature is not null) request.Headers.Add("X-Hub-Signature-256", signature);
        return Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<HttpResponseMessage> PostWithTokenAsync(string path, byte[] body, string? token, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<JsonElement> GetJsonAsync(string path, string? token = ApiToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits until every acknowledged payload is committed (bounded).</summary>
    public async Task DrainedAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Server.Backlog > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Server.Backlog} payloads still waiting");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every finding the API lists (all statuses), by paging to the end.</summary>
    public async Task<List<JsonElement>> AllFindingsAsync(string query = "status=all")
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await GetJsonAsync($"/api/findings?{query}&limit=50" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            all.AddRange(page.GetProperty("findings").EnumerateArray());
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        }
        while (cursor is not null);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        if (_ownsFolder) Folder.Dispose();
    }
}
