using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Sinks;
using PipeWatch.Sources.Files;
using PipeWatch.Sources.Runner.Agent;
using PipeWatch.Store.Sqlite;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>Runs shell scripts under the real agent (eBPF, strace, /proc) into one JSON Lines file, as <c>pipewatch agent --events FILE</c> does, tied to a run of acme/app's CI.</summary>
internal sealed class AgentJob : IDisposable
{
    public const string Repository = "acme/app";
    public const string Pipeline = "CI";
    public const string Job = "build";

    private readonly TempFolder _temp = new();

    public string Folder => _temp.Path;

    public string Events => _temp.File("agent.jsonl");

    /// <summary>The collector runs use unless they name one.</summary>
    public AgentMode Mode { get; set; } = AgentMode.Strace;

    /// <summary>What a run with <paramref name="mode"/> says it missed when all goes well: nothing for strace, the eBPF collector's fixed gaps.</summary>
    public static string? Missed(AgentMode mode) => mode == AgentMode.Ebpf ? AgentSession.EbpfMisses : null;

    /// <summary>The tracing collectors the agent's tests run over, each test once per collector.</summary>
    public static TheoryData<AgentMode> Tracers => [AgentMode.Strace, AgentMode.Ebpf];

    /// <summary>This job's runs use <paramref name="mode"/> from now on; the test is skipped, with the reason, where it cannot trace here.</summary>
    public async Task UseAsync(AgentMode mode)
    {
        await RequireAsync(mode);
        Mode = mode;
    }

    /// <summary>Skips the test, with the reason, when <paramref name="mode"/> is eBPF and bpftrace cannot load here.</summary>
    public static async Task RequireAsync(AgentMode mode)
    {
        if (mode != AgentMode.Ebpf) return;
        var (works, reason) = await BpftraceProgram.ProbeAsync("bpftrace", TestContext.Current.CancellationToken);
        if (!works) Assert.Skip($"bpftrace cannot attach here: {reason}");
    }

    /// <summary>Writes <paramref name="script"/> as an executable sh script and runs it under the agent as run <paramref name="runId"/>, step <paramref name="step"/>.</summary>
    public async Task<AgentResult> RunAsync(string script, string runId, string step = "Test", AgentMode? mode = null, TimeSpan? sampleInterval = null, IAgentOutput? output = null, string? scrape = null)
    {
        var path = _temp.File($"job-{runId}.sh");
        await File.WriteAllTextAsync(path, "#!/bin/sh\n" + script, TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = new AgentFileOutput(Events);
        await using (file)
        {
            return await AgentSession.RunAsync(
                new AgentOptions
                {
                    // Run by sh, not exec'd: a file just written may be held open by a child another test forks meanwhile (ETXTBSY).
                    Command = ["sh", path],
                    Step = step,
                    Ci = new CiVariables("github", Repository, Pipeline, runId, "1", Job, "main", null, "octocat"),
                    Mode = mode ?? Mode,
                    WorkingDirectory = Folder,
                    SampleInterval = sampleInterval ?? TimeSpan.FromMilliseconds(200),
                    Scrape = scrape,
                },
                output is null ? [file] : [file, output],
                cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The agent's lines so far, each as its fields.</summary>
    public List<Dictionary<string, string>> Lines() =>
        [.. File.ReadLines(Events).Select(l => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(l)!
            .ToDictionary(p => p.Key, p => p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))];

    /// <summary>Ingests the agent's lines into a real store in the folder, through the real engine, with <paramref name="detectors"/> or every built-in one.</summary>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<IDetector>? detectors = null)
    {
        if (detectors is null) return await Ingest.RunAsync(_temp.File("store.db"), [Events]);
        var problems = new ProblemLog();
        var sink = new CollectingSink();
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var engine = new PipelineBuilder(store).WithDetectors(detectors).WithTime(new FakeTimeProvider(Ingest.Now)).WithProblems(problems).AddSink(sink).Build();
        var files = InputFiles.Expand([Events], problems);
        var summary = await engine.RunAsync(InputFiles.Sources(files, null, store.AdvisoryState()), null, TestContext.Current.CancellationToken);
        return new IngestResult(summary, sink.Findings, problems.Problems);
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>A minimal HTTP server on 127.0.0.1 for scripts to reach with curl and wget: answers every request with 200 "ok" and counts them.</summary>
internal sealed class CountingHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _requests;

    public CountingHttpServer()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Requests => Volatile.Read(ref _requests);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    var request = new StringBuilder();
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var read = await stream.ReadAsync(buffer);
                        if (read == 0) return;
                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    // A body (Content-Length) is read whole before the answer, so a client's upload is never cut short.
                    var text = request.ToString();
                    var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
                    var length = text.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } header
                        ? long.Parse(header["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
                        : 0;
                    for (var remaining = length - (Encoding.ASCII.GetByteCount(text) - headerEnd); remaining > 0;)
                    {
                        var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)));
                        if (read == 0) return;
                        remaining -= read;
                    }

                    Interlocked.Increment(ref _requests);
                    await stream.WriteAsync("HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray());
                }
            });
        }
    }
}
