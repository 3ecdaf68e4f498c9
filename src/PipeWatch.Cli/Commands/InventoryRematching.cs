using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
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

    /// <summary>Re-matches and says what it raised and closed; nothing when there is no store to re-match or nothing changed in it.</summary>
    /// <param name="imported">The store the advisories were imported into: matched against, and re-matched itself when it is the findings store.</param>
    /// <param name="fallback">The store re-matched when <paramref name="option"/> is not given (the one imported into), quietly when its inventory is empty.</param>
    public static async Task RunAsync(CliHost host, string? option, SqliteStore imported, AdvisoryImportResult result, CancellationToken ct, string? fallback = null)
    {
        var path = CommonOptions.ResolveStore(host, option ?? fallback);
        if (option is null && !File.Exists(path)) return;
        var same = string.Equals(Path.GetFullPath(path), imported.Path, StringComparison.Ordinal);
        var opened = same ? null : await CommonOptions.OpenStoreAsync(host, path);
        if (!same && opened is null) return;
        using (opened)
        {
            var store = opened ?? imported;
            var (places, entries) = store.CountInventory();
            if (entries == 0 && option is null) return;
            using var index = imported.OpenAdvisoryIndex();
            var outcome = InventoryRematch.Run(store, index, result.Changes, host.Time.GetUtcNow(), ct);
            foreach (var finding in outcome.Raised)
            {
                await host.Out.WriteLineAsync(finding.Severity.ToWire() + "\t" + TerminalText.Escape(finding.Title));
            }

            await host.SayAsync(
                $"re-matched {Count(outcome.Advisories, "changed advisory", "changed advisories")} against {Count(places, "place", "places")} of {host.Display(path)}: "
                + $"{Count(outcome.Raised.Count, "new finding", "new findings")}, {outcome.Closed} closed");
        }
    }

    private static string Count(long n, string one, string many) => $"{n} {(n == 1 ? one : many)}";
}
