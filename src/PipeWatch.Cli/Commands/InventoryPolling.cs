using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Findings;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch inventory poll</c>: the CI servers of <c>serve.ci-servers</c> read once into the inventory and matched against the advisories.</summary>
internal static class InventoryPolling
{
    public static Command Command(CliHost host)
    {
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command(
            "poll",
            "Read every CI server of serve.ci-servers in pipewatch.yml (Jenkins, GitLab, GitHub self-hosted runners) through its API once: what each runs replaces "
            + "its places in the inventory, and each component an imported advisory covers is one vulnerability.ci-infrastructure finding (printed, stored once, and sent through the alert routes). "
            + "Exit codes: 0 done; 1 new findings; 2 bad usage, an invalid config, no server configured, or a server that could not be read (each named on stderr); 3 an internal error.")
        {
            store, config,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (await CommonOptions.LoadConfigAsync(host, parse.GetValue(config)) is not { } loaded) return ExitCodes.Usage;
            var servers = loaded.Serve.CiServers;
            if (servers.Count == 0)
            {
                await host.Error.WriteLineAsync("pipewatch: no CI server to poll: add entries to serve.ci-servers in pipewatch.yml (see docs/inventory.md)");
                return ExitCodes.Usage;
            }

            return await PollAsync(host, loaded, servers, parse.GetValue(store), host.Environment, ct);
        });
        return command;
    }

    /// <summary>Reads <paramref name="servers"/> once into the store's inventory, matches them, sends new findings through the config's routes, and says what it did.</summary>
    /// <returns>The exit code: 1 new findings; 2 a server that could not be read (or no store or route); else 0.</returns>
    internal static async Task<int> PollAsync(
        CliHost host, PipeWatchConfig loaded, IReadOnlyList<CiServerPoll> servers, string? storeOption, Func<string, string?> environment, CancellationToken ct)
    {
        using var opened = await InventoryCommand.OpenAsync(host, storeOption);
        if (opened is not IInventoryStore inventory || opened is not IAdvisoryStore source) return ExitCodes.Usage;
        using var advisories = source.OpenAdvisoryIndex();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var problems = new Reporter();
        using var routing = await AlertRouting.OpenAsync(loaded, host, problems, opened);
        if (routing is null) return ExitCodes.Usage;
        var result = await CiServerPolling.PollAsync(
            servers, loaded.Serve.GitHubApiUrl, inventory, advisories, http, environment, problems, host.Time.GetUtcNow(), ct, new InventoryAlerts(routing.Router.Routes));
        await routing.CompleteAsync();
        foreach (var line in problems.Lines) await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {line}"));
        foreach (var finding in result.Raised) await host.Out.WriteLineAsync(finding.Severity.ToWire() + "\t" + TerminalText.Escape(finding.Title));
        foreach (var reading in result.Readings)
        {
            var packages = reading.Places.Sum(p => p.Items.Count);
            await host.SayAsync(TerminalText.Escape(
                $"{reading.Server.Name}: {reading.Places.Count} place{(reading.Places.Count == 1 ? "" : "s")}, {packages} component{(packages == 1 ? "" : "s")}"
                + (reading.Failures > 0 ? $", {reading.Failures} request{(reading.Failures == 1 ? "" : "s")} failed" : "")));
        }

        await host.SayAsync($"{result.Raised.Count} new finding{(result.Raised.Count == 1 ? "" : "s")}");
        return result.Readings.Any(r => r.Failures > 0) ? ExitCodes.Usage : result.Raised.Count > 0 ? ExitCodes.Findings : ExitCodes.Ok;
    }

    // Problems are said after the poll, in the order they came.
    private sealed class Reporter : IProblemReporter
    {
        private readonly List<string> _lines = [];
        private readonly Lock _gate = new();

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_gate) return [.. _lines];
            }
        }

        public void Report(Problem problem)
        {
            lock (_gate) _lines.Add(problem.ToString());
        }
    }
}
