using PipeWatch.Engine;
using PipeWatch.Diagnostics;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Routing;
using PipeWatch.Store;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>Builds alert routes from the YAML of a pipewatch.yml, as the CLI does, and sends alerts through them.</summary>
internal static class RouteHarness
{
    public static AlertsOptions Parse(string yaml) => ConfigLoader.Parse(yaml, "pipewatch.yml").Alerts;

    public static AlertRouter Router(string yaml, TimeProvider? time = null, Dictionary<string, string>? environment = null, IProblemReporter? problems = null, IDeliveryLog? log = null, string? publicUrl = null) =>
        AlertRouter.Create(Parse(yaml), new RouteContext(
            time ?? TimeProvider.System, name => environment?.GetValueOrDefault(name), problems ?? new ProblemLog(), "1.2.3", publicUrl, log, Path.GetTempPath()));

    /// <summary>Sends <paramref name="alerts"/> through the one route of <paramref name="yaml"/> and ends it (which sends what is queued).</summary>
    public static async Task<RouteSink> SendAsync(string yaml, IReadOnlyList<Alert> alerts, Dictionary<string, string>? environment = null, ProblemLog? problems = null, string? publicUrl = null)
    {
        var route = Assert.Single(Router(yaml, environment: environment, problems: problems, publicUrl: publicUrl).Routes);
        await route.EmitAsync(alerts, TestContext.Current.CancellationToken);
        await route.CompleteAsync(TestContext.Current.CancellationToken);
        return route;
    }
}
