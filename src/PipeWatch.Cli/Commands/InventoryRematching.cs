using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Cli.Commands;

/// <summary>After <c>vulndb update|import</c>: the inventory of a findings store re-matched against the advisories that changed, one finding per advisory.</summary>
internal static class InventoryRematching
{
    public static Option<string?> Option() => new("--rematch")
    {
        Description = $"The findings store whose inventory is re-matched against the advisories that changed (default: ${CommonOptions.StoreVariable}, "
            + "else .pipewatch/pipewatch.db when it exists). Each advisory that newly affects packages in use raises one finding listing every place; a withdrawn advisory closes its findings.",
        HelpName = "PATH",
    };

    /// <summary>Re-matches and says what it raised and closed, the new findings sent through the alert routes of the config; nothing when there is no store to re-match or nothing changed in it.</summary>
    /// <param name="imported">The store the advisories were imported into: matched against, and re-matched itself when it is the findings store.</param>
    /// <param name="configPath">The config whose <c>alerts</c> routes the findings go through (default: pipewatch.yml here, when present).</param>
    /// <param name="fallback">The store re-matched when <paramref name="option"/> is not given (the one imported into), quietly when its inventory is empty.</param>
    /// <returns>False when the config or a route could not be read (said on stderr; exit 2).</returns>
    public static async Task<bool> RunAsync(CliHost host, string? option, string? configPath, IAdvisoryStore imported, AdvisoryImportResult result, CancellationToken ct, string? fallback = null)
    {
        var path = CommonOptions.ResolveStore(host, option ?? fallback);
        if (option is null && !File.Exists(path)) return true;
        // The store imported into is re-matched itself when it is the findings store (a PostgreSQL store holds no inventory yet).
        var same = imported is SqliteStore sqlite && string.Equals(Path.GetFullPath(path), sqlite.Path, StringComparison.Ordinal);
        var opened = same ? null : await CommonOptions.OpenStoreAsync(host, path, "vulndb --rematch");
        if (!same && opened is null) return true;
        using (opened)
        {
            var store = opened ?? (SqliteStore)imported;
            var (places, entries) = store.CountInventory();
            if (entries == 0 && option is null) return true;
            if (await CommonOptions.LoadConfigAsync(host, configPath) is not { } config) return false;
            using var routing = await AlertRouting.OpenAsync(config, host, new ConsoleProblemReporter(host.Error, host.Display), store);
            if (routing is null) return false;
            using var index = imported.OpenAdvisoryIndex();
            var outcome = await new InventoryAlerts(routing.Router.Routes).RematchAsync(store, index, result.Changes, host.Time.GetUtcNow(), ct);
            await routing.CompleteAsync();
            foreach (var finding in outcome.Raised)
            {
                await host.Out.WriteLineAsync(finding.Severity.ToWire() + "\t" + TerminalText.Escape(finding.Title));
            }

            await host.SayAsync(
                $"re-matched {Count(outcome.Advisories, "changed advisory", "changed advisories")} against {Count(places, "place", "places")} of {host.Display(path)}: "
                + $"{Count(outcome.Raised.Count, "new finding", "new findings")}, {outcome.Closed} closed");
            return true;
        }
    }

    private static string Count(long n, string one, string many) => $"{n} {(n == 1 ? one : many)}";
}
