using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Store;

namespace PipeWatch.Server;

/// <summary>The watch mode's CI-server pollers (<c>serve.ci-servers</c>): each server read at start and then every <c>interval</c> into the inventory, matched against the advisories.</summary>
/// <remarks>
/// Off unless servers are configured. One loop per server; each round opens the store again (SQLite or PostgreSQL), writes through
/// a connection of its own (SQLite serializes it with the engine's batches; on PostgreSQL it is a transaction of its own) and reads
/// the advisory index as the store holds it then, so advisories imported since start are seen. Failures are reported (naming the server, never the token) and the next round tries again. New findings are stored
/// and go through the alert routes (<see cref="ServerSettings.Alerts"/>), staged in their outbox with the findings.
/// </remarks>
internal static class CiServerRefresh
{
    /// <param name="open">Opens the store (a connection of its own), disposed after each round: <see cref="ServeOnPostgres.InventoryStore"/>.</param>
    public static void Start(ServerSettings settings, Func<IStore> open, IProblemReporter problems, CancellationToken stopping)
    {
        foreach (var server in settings.Config.Serve.CiServers)
        {
            _ = Task.Run(() => RunAsync(settings, server, open, problems, stopping), CancellationToken.None);
        }
    }

    private static async Task RunAsync(ServerSettings settings, CiServerPoll server, Func<IStore> open, IProblemReporter problems, CancellationToken stopping)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var alerts = new InventoryAlerts(settings.Alerts?.Routes ?? []);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                using var store = open();
                if (store is not IInventoryStore inventory || store is not IAdvisoryStore source)
                {
                    throw new InvalidOperationException("the store keeps no inventory or advisories");
                }

                using var advisories = source.OpenAdvisoryIndex();
                var result = await CiServerPolling.PollAsync(
                    [server], settings.Config.Serve.GitHubApiUrl, inventory, advisories, http, settings.Environment, problems, settings.Time.GetUtcNow(), stopping, alerts);
                var reading = result.Readings[0];
                await settings.Out.WriteLineAsync(
                    $"pipewatch serve: {server.Name} polled ({reading.Places.Count} place{(reading.Places.Count == 1 ? "" : "s")}"
                    + $"{(reading.Failures > 0 ? $", {reading.Failures} failed" : "")}); {result.Raised.Count} new finding{(result.Raised.Count == 1 ? "" : "s")}");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A defect or a store error: reported with its type and message; the next round tries again.
                problems.Report(new Problem(server.Name, $"scheduled poll failed: {ex.GetType().Name}: {ex.Message}"));
            }

            try
            {
                await Task.Delay(server.Interval, settings.Time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
