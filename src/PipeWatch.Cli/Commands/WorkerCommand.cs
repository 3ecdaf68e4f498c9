using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Server.Queue;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch worker</c>: processes what <c>serve --queue</c> stored in JetStream; a thin host over <see cref="QueueWorker"/>.</summary>
internal static class WorkerCommand
{
    public static Command Create(CliHost host)
    {
        var queue = ServeCommand.QueueOption();
        queue.Required = true;
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var urls = new Option<string>("--urls")
        {
            Description = "Where /healthz and /metrics listen.",
            DefaultValueFactory = _ => "http://127.0.0.1:9464",
            HelpName = "URL",
        };
        var name = new Option<string?>("--name")
        {
            Description = "This worker's name in the partition leases, unique per worker (default: the host name and process id).",
            HelpName = "NAME",
        };
        var command = new Command(
            "worker",
            "Process the webhooks 'pipewatch serve --queue' stored in NATS JetStream: take a fair share of the partitions (leases in JetStream, " +
            "handed over when a worker starts, stops or dies), run every detector on their payloads with the same engine as serve, and acknowledge " +
            "each message only once its events are committed to the store (shared by every worker). Serves /healthz and /metrics. Runs until " +
            "Ctrl-C or SIGTERM, then finishes what it took and hands its partitions on. Exit codes: 0 stopped; 2 bad usage, an unusable store, " +
            "config or queue; 3 an internal error.")
        {
            queue, store, config, urls, name,
        };
        command.SetAction((parse, ct) => RunAsync(host, parse.GetRequiredValue(queue)!, parse.GetValue(store), parse.GetValue(config), parse.GetRequiredValue(urls), parse.GetValue(name), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliHost host, string queueUrl, string? storePath, string? configPath, string urls, string? name, CancellationToken ct)
    {
        if (!QueueAddress.TryParse(queueUrl, out var queue, out var problem))
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --queue: {problem}"));
            return ExitCodes.Usage;
        }

        if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return ExitCodes.Usage;
        var resolvedStore = CommonOptions.ResolveStore(host, storePath);
        var problems = new ConsoleProblemReporter(host.Error, host.Display);
        // Any store the factory opens (SQLite, PostgreSQL): the alert routes keep their outbox and delivery log where they can.
        if (await CommonOptions.OpenAnyStoreAsync(host, resolvedStore) is not { } routingStore) return ExitCodes.Usage;
        using var ownedStore = routingStore;
        using var routing = await AlertRouting.OpenAsync(config, host, problems, routingStore);
        if (routing is null) return ExitCodes.Usage;
        var settings = new WorkerSettings
        {
            Store = resolvedStore,
            Queue = queue!,
            Urls = urls,
            Config = config,
            Out = host.Out,
            Problems = problems,
            Time = host.Time,
            Configure = builder => routing.AddTo(builder),
        };
        if (name is not null) settings = settings with { Name = name };
        if (await ServerStartup.StartAsync(host, urls, () => QueueWorker.StartAsync(settings, ct)) is not { } worker) return ExitCodes.Usage;

        await using (worker)
        {
            await host.Out.FlushAsync(CancellationToken.None);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                await host.Error.WriteLineAsync("pipewatch worker: stopping; finishing what it took and handing its partitions on");
            }

            await worker.StopAsync();
        }

        return ExitCodes.Ok;
    }
}
