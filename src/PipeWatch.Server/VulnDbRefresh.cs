using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;

namespace PipeWatch.Server;

/// <summary>The watch mode's scheduled <c>vulndb update</c> (<c>serve.vulndb-url</c>): OSV's archives refreshed into the store, then the inventory re-matched against what changed.</summary>
/// <remarks>
/// Off unless a URL is configured. The first update runs at start, then every <c>serve.vulndb-interval</c>. It writes through a
/// connection of its own (SQLite serializes it with the engine's batches); archives are kept beside the store in <c>osv/</c>.
/// Failures are reported and the next round tries again. The engine's advisory index (a <see cref="FollowingAdvisoryIndex"/>) sees the new advisories within seconds.
/// The re-match's findings go through the alert routes (<see cref="ServerSettings.Alerts"/>), staged in their outbox with the findings.
/// </remarks>
internal static class VulnDbRefresh
{
    /// <param name="open">Opens the store the advisories go into (a connection of its own), disposed after each round.</param>
    /// <param name="folder">Where the downloaded archives are kept: beside a SQLite store, else in serve's data folder.</param>
    public static void Start(ServerSettings settings, Func<IAdvisoryStore> open, string folder, IProblemReporter problems, CancellationToken stopping)
    {
        var serve = settings.Config.Serve;
        if (serve.VulnDbUrl is not { } url) return;
        _ = Task.Run(
            async () =>
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
                var updater = new OsvFeedUpdater(http, new OsvFeedOptions { BaseUrl = new Uri(url.TrimEnd('/') + "/"), Folder = Path.Combine(folder, "osv") });
                while (!stopping.IsCancellationRequested)
                {
                    try
                    {
                        await RoundAsync(settings, open, updater, problems, stopping);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A defect or a store error: reported with its type and message; the next round tries again.
                        problems.Report(new Problem("serve.vulndb-url", $"scheduled update failed: {ex.GetType().Name}: {ex.Message}"));
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    try
                    {
                        await Task.Delay(serve.VulnDbInterval, settings.Time, stopping);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            },
            CancellationToken.None);
    }

    private static async Task RoundAsync(ServerSettings settings, Func<IAdvisoryStore> open, OsvFeedUpdater updater, IProblemReporter problems, CancellationToken stopping)
    {
        var results = await updater.UpdateAsync(settings.Config.Serve.VulnDbEcosystems, stopping);
        foreach (var failed in results.Where(r => r.Outcome == OsvFeedOutcome.Failed)) problems.Report(new Problem(failed.Url.ToString(), $"scheduled update: {failed.Reason}"));
        var downloaded = results.Where(r => r.Outcome == OsvFeedOutcome.Downloaded).ToList();
        if (downloaded.Count == 0) return;
        var store = open();
        using var owned = store as IDisposable;
        var imported = store.ImportAdvisories(downloaded.SelectMany(r => OsvArchive.Read(r.Archive, problems)), stopping);
        var said = $"pipewatch serve: advisories updated ({downloaded.Count} archive{(downloaded.Count == 1 ? "" : "s")}, {imported.Changes.Count} changed)";
        if (store is not IInventoryStore inventory)
        {
            // A store without an inventory: the engine's index follows the import; there is nothing to re-match.
            await settings.Out.WriteLineAsync(said);
            return;
        }

        using var index = store.OpenAdvisoryIndex();
        var alerts = new InventoryAlerts(settings.Alerts?.Routes ?? []);
        var outcome = await alerts.RematchAsync(inventory, index, imported.Changes, settings.Time.GetUtcNow(), stopping);
        await settings.Out.WriteLineAsync(
            $"{said}; "
            + $"inventory re-matched: {outcome.Raised.Count} new finding{(outcome.Raised.Count == 1 ? "" : "s")}, {outcome.Closed} closed");
    }
}
