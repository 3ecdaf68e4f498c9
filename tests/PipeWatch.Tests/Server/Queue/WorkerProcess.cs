using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server.Queue;

/// <summary><c>pipewatch worker</c> started as a child process, its health and metrics on a free loopback port.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process, Uri address, string name)
    {
        _process = process;
        Address = address;
        Name = name;
    }

    public Uri Address { get; }

    public string Name { get; }

    /// <summary>What it wrote to stderr, once it has exited.</summary>
    public Task<string> Errors { get; private init; } = Task.FromResult(string.Empty);

    public bool Exited => _process.HasExited;

    public static async Task<WorkerProcess> StartAsync(TempFolder folder, string queue, string store, string name, string? config = null)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = folder.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var args = new List<string> { CliProcess.Program, "worker", "--queue", queue, "--store", store, "--urls", $"http://127.0.0.1:{port}", "--name", name };
        if (config is not null) args.AddRange(["--config", config]);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.Contains("health and metrics on", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
                return new WorkerProcess(process, new Uri($"http://127.0.0.1:{port}"), name) { Errors = errors };
            }
        }

        Assert.Fail($"pipewatch worker did not start (exit {(process.HasExited ? process.ExitCode : -1)}): {await errors}");
        return null!;
    }

    /// <summary>The partitions it holds, from <c>/healthz</c>.</summary>
    public async Task<int[]> PartitionsAsync()
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);
        var health = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        return [.. health["partitions"]!.AsArray().Select(p => p!.GetValue<int>())];
    }

    /// <summary>One sample's value from <c>/metrics</c> (summed over its labels), 0 when absent.</summary>
    public async Task<double> MetricAsync(string name)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        var text = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        return text.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length > name.Length && l[name.Length] is ' ' or '{'))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>SIGKILL: no chance to finish or acknowledge anything.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, and waits for the exit (0).</summary>
    public async Task StopAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(deadline.Token);
        Assert.True(_process.ExitCode == 0, $"worker {Name} exited {_process.ExitCode}: {await Errors}");
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
