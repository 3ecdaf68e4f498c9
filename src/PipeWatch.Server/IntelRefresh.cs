using PipeWatch.Diagnostics;
using PipeWatch.Intel;

namespace PipeWatch.Server;

/// <summary>Runs the refresh of the <c>intel.feeds</c> of pipewatch.yml beside the server, until it stops.</summary>
internal static class IntelRefresh
{
    /// <summary>Starts refreshing (the first time at once) when feeds are configured; each refresh imports into the store through its own connection and swaps <paramref name="live"/>.</summary>
    public static void Start(ServerSettings settings, Func<IIntelStore> openStore, IndicatorIndex? live, IProblemReporter problems, CancellationToken stopping)
    {
        if (live is null || settings.Config.Intel.Feeds.Count == 0) return;
        var refresher = new IntelFeedRefresher(
            settings.Config.Intel, openStore, live, settings.Time, settings.Environment, problems, said: line => settings.Out.WriteLine($"pipewatch serve: {line}"));
        _ = Task.Run(
            async () =>
            {
                using (refresher)
                {
                    try
                    {
                        await refresher.RunAsync(stopping);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A defect: reported with its type and message, and the server goes on with the index it has.
                        problems.Report(new Problem("intel.feeds", $"internal error: {ex.GetType().Name}: {ex.Message}"));
                    }
                }
            },
            CancellationToken.None);
    }
}
