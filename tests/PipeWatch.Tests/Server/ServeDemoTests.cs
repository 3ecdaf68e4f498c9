using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary><c>pipewatch serve --demo</c> as a child process: the findings it prints are the ones its API lists, with the token it printed.</summary>
public sealed class ServeDemoTests
{
    [Fact]
    public async Task The_demo_replays_the_samples_and_its_api_lists_the_findings_it_printed()
    {
        using var temp = new TempFolder();
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Corpus.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { CliProcess.Program, "serve", "--demo", "--urls", $"http://127.0.0.1:{port}" }) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // The demo's fresh store goes in the temporary folder, and goes with it.
        info.Environment["TMPDIR"] = temp.Path;
        foreach (var name in new[] { "PIPEWATCH_API_TOKEN", "PIPEWATCH_INGEST_TOKEN", "PIPEWATCH_STORE" }) info.Environment.Remove(name);
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var lines = new List<string>();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(120));
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith("  curl -s 'http", StringComparison.Ordinal)) break;
            }

            Assert.StartsWith($"pipewatch serve --demo: a fresh store at {temp.Path}", lines[0], StringComparison.Ordinal);
            var token = lines.Single(l => l.StartsWith("pipewatch serve: API token (shown once; only its hash is stored): ", StringComparison.Ordinal)).Split(": ")[^1];
            Assert.Matches(@"^pipewatch serve --demo: replayed 3 files of samples/ as 14 POSTs to /ingest; all processed in \d+\.\d s$", lines.Single(l => l.Contains("replayed", StringComparison.Ordinal)));
            // The printed summary: "  COUNT  CATEGORY (worst: SEVERITY)".
            var printed = lines.SkipWhile(l => !l.EndsWith(" findings:", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains("(worst:", StringComparison.Ordinal))
                .Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToDictionary(p => p[1], p => int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture));

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var listed = JsonDocument.Parse(await client.GetStringAsync("/api/findings?status=all&limit=500", TestContext.Current.CancellationToken)).RootElement
                .GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("category").GetString()!).ToList();

            Assert.Equal(
                ["access.permission-widened", "deployment.unapproved-target", "pipeline.long-duration", "pipeline.repeated-failures", "pipeline.step-order-changed", "pipeline.unexpected-failure", "secrets.unauthorized-access"],
                printed.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(printed.OrderBy(p => p.Key, StringComparer.Ordinal), listed.GroupBy(c => c).Select(g => new KeyValuePair<string, int>(g.Key, g.Count())).OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(lines.Single(l => l.EndsWith(" findings:", StringComparison.Ordinal)), $"pipewatch serve --demo: {listed.Count} findings:");
        }
        finally
        {
            if (!process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            using var exit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            exit.CancelAfter(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(exit.Token);
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await errors}\n{string.Join('\n', lines)}");
    }
}
