using PipeWatch.Cli.Rendering;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Store;

namespace PipeWatch.Cli.Commands;

/// <summary>The <c>alerts</c> routes of pipewatch.yml for a command: built once, with the store's delivery log, and added to the pipeline as sinks.</summary>
internal sealed class AlertRouting : IDisposable
{
    private readonly IDeliveryLog? _log;

    private AlertRouting(AlertRouter router, IDeliveryLog? log)
    {
        Router = router;
        _log = log;
    }

    public AlertRouter Router { get; }

    /// <summary>Builds the routes (links in alerts to <c>serve.public-url</c> when set) and resumes their outbox; a route that cannot be built (a missing environment variable) is said on stderr and gives null (exit 2).</summary>
    public static async Task<AlertRouting?> OpenAsync(PipeWatchConfig config, CliHost host, IProblemReporter problems, IStore? store)
    {
        IDeliveryLog? log = null;
        try
        {
            if (store is not null && config.Alerts.Routes.Count > 0) log = StoreFactory.OpenDeliveryLog(store, host.Time);
            var context = new RouteContext(host.Time, host.Environment, problems, PipeWatchApp.Version, config.Serve.PublicUrl, log, host.WorkingDirectory);
            var router = AlertRouter.Create(config.Alerts, context);
            // What the last run accepted and did not settle (a crash, a kill) is sent again first.
            foreach (var (route, count) in router.ResumeOutbox())
            {
                await host.Error.WriteLineAsync(TerminalText.Escape($"alerts route '{route}': sending again {count:N0} alert{(count == 1 ? "" : "s")} the last run did not deliver"));
            }

            return new AlertRouting(router, log);
        }
        catch (Exception ex) when (ex is RouteException or StoreException)
        {
            (log as IDisposable)?.Dispose();
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
            return null;
        }
    }

    /// <summary>Adds every route to the pipeline: behind a queue that drops rather than slow detection.</summary>
    public PipelineBuilder AddTo(PipelineBuilder builder)
    {
        foreach (var route in Router.Routes) builder.AddSink(route, SinkQueueOptions.DropWhenFull);
        return builder;
    }

    public void Dispose() => (_log as IDisposable)?.Dispose();
}
