using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Server;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch serve</c>: the watch mode, a thin host over <see cref="PipeWatchServer"/>.</summary>
internal static class ServeCommand
{
    public static Command Create(CliHost host)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen, as ASP.NET Core takes it (several separated by ';').",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
            HelpName = "URL",
        };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var demo = new Option<bool>("--demo")
        {
            Description = "Start on a fresh store in a temporary folder, replay the committed demo and attack histories (samples/) into the server's own /ingest, print what was found and where to look, and keep serving.",
        };
        var queue = QueueOption();
        var command = new Command(
            "serve",
            "Watch mode: receive GitHub, GitLab, Jenkins and generic webhooks and JSON Lines batches (POST /hooks/github, /hooks/gitlab, /hooks/jenkins, " +
            "/hooks/generic, /ingest), store each durably before acknowledging it, and run every detector on it as it arrives; fetch and scan the " +
            "repositories listed under serve.repositories as they are pushed to, and the logs of finished jobs; serve the findings API (/api, bearer " +
            "token) and /metrics. Secrets come from PIPEWATCH_API_TOKEN, PIPEWATCH_GITHUB_WEBHOOK_SECRET, PIPEWATCH_GITLAB_WEBHOOK_TOKEN, " +
            "PIPEWATCH_INGEST_TOKEN and PIPEWATCH_GITHUB_TOKEN (or pipewatch.yml's serve section). Runs until Ctrl-C or SIGTERM, then finishes what " +
            "it acknowledged. Exit codes: 0 stopped; 2 bad usage or an unusable store or config; 3 an internal error.")
        {
            urls, store, config, demo, queue,
        };
        command.SetAction((parse, ct) => RunAsync(host, parse.GetRequiredValue(urls), parse.GetValue(store), parse.GetValue(config), parse.GetValue(demo), parse.GetValue(queue), ct));
        return command;
    }

    /// <summary><c>--queue nats://host:port</c>, shared with <c>worker</c>.</summary>
    internal static Option<string?> QueueOption() => new("--queue")
    {
        Description = "A NATS JetStream server (nats://host:port): webhooks are stored there, partitioned by repository, and processed by 'pipewatch worker' processes instead of this one.",
        HelpName = "URL",
    };

    private static async Task<int> RunAsync(CliHost host, string urls, string? storePath, string? configPath, bool demo, string? queueUrl, CancellationToken ct)
    {
        PipeWatch.Server.Queue.QueueAddress? queue = null;
        if (queueUrl is not null && !PipeWatch.Server.Queue.QueueAddress.TryParse(queueUrl, out queue, out var queueProblem))
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --queue: {queueProblem}"));
            return ExitCodes.Usage;
        }

        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;
        if (await SecretRulesLoading.LoadAsync(host, config.Secrets.Rules) is not { } secretRules) return ExitCodes.Usage;

        string? samples = null;
        string? demoToken = null;
        var environment = host.Environment;
        if (demo)
        {
            samples = DemoReplay.FindSamples(host.WorkingDirectory);
            if (samples is null)
            {
                await host.Error.WriteLineAsync("pipewatch: --demo: no samples/demo and samples/attack folders here or above the program (run it from a PipeWatch checkout)");
                return ExitCodes.Usage;
            }

            // A fresh store, and an ingest token of its own for the replay.
            storePath = Path.Combine(Path.GetTempPath(), $"pipewatch-demo-{Guid.NewGuid():n}", "pipewatch.db");
            demoToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            environment = name => name switch
            {
                "PIPEWATCH_INGEST_TOKEN" => demoToken,
                "PIPEWATCH_API_TOKEN" => null,
                _ => host.Environment(name),
            };
            await host.Out.WriteLineAsync($"pipewatch serve --demo: a fresh store at {storePath}");
        }

        // The alert routes of pipewatch.yml, as ingest and scan add them (their delivery log in the store).
        var resolvedStore = CommonOptions.ResolveStore(host, storePath);
        var problems = new ConsoleProblemReporter(host.Error, host.Display);
        // Any store the factory opens (SQLite, PostgreSQL), as for 'worker'.
        if (await CommonOptions.OpenAnyStoreAsync(host, resolvedStore) is not { } routingStore) return ExitCodes.Usage;
        using var ownedStore = routingStore;
        using var routing = await AlertRouting.OpenAsync(config, host with { Environment = environment }, problems, routingStore);
        if (routing is null) return ExitCodes.Usage;
        var settings = new ServerSettings
        {
            StorePath = resolvedStore,
            DataFolder = Path.GetFullPath(config.Serve.DataFolder ?? "pipewatch-serve", host.WorkingDirectory),
            Urls = urls,
            Config = config,
            Environment = environment,
            Out = host.Out,
            Problems = problems,
            Configure = builder => routing.AddTo(builder.WithSecretRules(secretRules)),
            Alerts = routing.Router,
            Time = host.Time,
            Queue = queue,
        };
        if (await ServerStartup.StartAsync(host, urls, () => PipeWatchServer.StartAsync(settings, ct)) is not { } server) return ExitCodes.Usage;

        await using (server)
        {
            await host.Out.FlushAsync(CancellationToken.None);
            try
            {
                if (samples is not null) await DemoReplay.RunAsync(server, samples, demoToken!, host.Out, ct);
                await host.Out.FlushAsync(CancellationToken.None);
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                await host.Error.WriteLineAsync("pipewatch serve: stopping; finishing what was acknowledged");
            }

            await server.StopAsync();
        }

        return ExitCodes.Ok;
    }
}
