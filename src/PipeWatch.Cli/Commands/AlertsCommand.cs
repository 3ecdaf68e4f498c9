using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch alerts test ROUTE</c> and <c>pipewatch alerts retry</c>: check a route of pipewatch.yml, and send its dead letters again.</summary>
internal static class AlertsCommand
{
    public static Command Create(CliHost host) => new("alerts", "Check the alert routes of pipewatch.yml and send again what they could not deliver.")
    {
        Test(host),
        Retry(host),
    };

    private static Command Test(CliHost host)
    {
        var route = new Argument<string>("ROUTE") { Description = "The route's name in pipewatch.yml (alerts.routes[].name)." };
        var config = CommonOptions.Config();
        var command = new Command("test", "Send a sample alert, plainly marked as a test, through ROUTE (once, no retries) and print what the service answered. " +
            "Exit codes: 0 the service accepted it; 1 it did not; 2 bad usage or an unknown route.")
        {
            route, config,
        };
        command.SetAction((parse, ct) => TestAsync(host, parse.GetRequiredValue(route), parse.GetValue(config), ct));
        return command;
    }

    private static Command Retry(CliHost host)
    {
        var route = new Option<string?>("--route") { Description = "Only this route's dead letters.", HelpName = "NAME" };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("retry", "Send the dead letters in the store again, through their routes as pipewatch.yml now configures them (with retries); " +
            "what is delivered leaves the dead-letter list. Exit codes: 0 all delivered (or none waiting); 1 some failed again; 2 bad usage.")
        {
            route, store, config,
        };
        command.SetAction((parse, ct) => RetryAsync(host, parse.GetValue(route), parse.GetValue(store), parse.GetValue(config), ct));
        return command;
    }

    private static async Task<int> TestAsync(CliHost host, string name, string? configPath, CancellationToken ct)
    {
        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;
        var problems = new ConsoleProblemReporter(host.Error, host.Display);
        if (config.Alerts.Routes.FirstOrDefault(r => r.Name == name) is not { } route)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: no alerts route named '{name}' (routes: {Names(config)})"));
            return ExitCodes.Usage;
        }

        AlertRouter router;
        try
        {
            router = AlertRouter.Create(config.Alerts with { Routes = [route] }, new RouteContext(host.Time, host.Environment, problems, PipeWatchApp.Version, config.Serve.PublicUrl, WorkingDirectory: host.WorkingDirectory));
        }
        catch (RouteException ex)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
            return ExitCodes.Usage;
        }

        var result = await router.Routes[0].SendOnceAsync([AlertRouter.SampleAlert(host.Time)], ct);
        var said = result.Answer ?? result.Error ?? "no answer";
        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            await host.Out.WriteLineAsync(TerminalText.Escape($"route '{name}' ({route.Sink}): delivered; the service answered: {said}"));
            return ExitCodes.Ok;
        }

        await host.Out.WriteLineAsync(TerminalText.Escape($"route '{name}' ({route.Sink}): not delivered: {said}"));
        return ExitCodes.Findings;
    }

    private static async Task<int> RetryAsync(CliHost host, string? routeName, string? storePath, string? configPath, CancellationToken ct)
    {
        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;
        if (routeName is not null && config.Alerts.Routes.All(r => r.Name != routeName))
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: no alerts route named '{routeName}' (routes: {Names(config)})"));
            return ExitCodes.Usage;
        }

        var store = await CommonOptions.OpenStoreAsync(host, CommonOptions.ResolveStore(host, storePath), "alerts retry");
        if (store is null) return ExitCodes.Usage;
        using (store)
        {
            using var log = SqliteDeliveryLog.Open(store.Path, host.Time);
            var problems = new ConsoleProblemReporter(host.Error, host.Display);
            var letters = log.DeadLetters(routeName);
            if (letters.Count == 0)
            {
                await host.Error.WriteLineAsync("no dead letters to send");
                return ExitCodes.Ok;
            }

            AlertRouter router;
            try
            {
                var wanted = letters.Select(l => l.Route).ToHashSet(StringComparer.Ordinal);
                var context = new RouteContext(host.Time, host.Environment, problems, PipeWatchApp.Version, config.Serve.PublicUrl, log, host.WorkingDirectory);
                router = AlertRouter.Create(config.Alerts with { Routes = [.. config.Alerts.Routes.Where(r => wanted.Contains(r.Name))] }, context);
            }
            catch (RouteException ex)
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
                return ExitCodes.Usage;
            }

            long delivered = 0, failed = 0;
            foreach (var outcome in await router.RetryAsync(letters, ct))
            {
                delivered += outcome.Delivered;
                failed += outcome.Failed;
                await host.Error.WriteLineAsync(TerminalText.Escape(outcome.RouteMissing
                    ? $"pipewatch: route '{outcome.Route}' is no longer in the config: its {outcome.Letters} dead letters are kept"
                    : $"route '{outcome.Route}': {outcome.Delivered:N0} delivered, {outcome.Failed:N0} failed again"));
            }

            await host.Error.WriteLineAsync($"retried {letters.Count:N0} dead letter{(letters.Count == 1 ? "" : "s")}: {delivered:N0} delivered, {failed:N0} still waiting");
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Findings;
        }
    }


    private static string Names(PipeWatchConfig config) =>
        config.Alerts.Routes.Count == 0 ? "none configured" : string.Join(", ", config.Alerts.Routes.Select(r => r.Name));
}
