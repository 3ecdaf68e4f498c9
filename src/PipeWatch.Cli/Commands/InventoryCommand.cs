using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Dependencies.Inventory.Sbom;
using PipeWatch.Sinks;
using PipeWatch.Store;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch inventory</c>: the packages each repository, image, CI server and runner of the estate holds now, as the store keeps them.</summary>
internal static class InventoryCommand
{
    private const string ExitHelp = "Exit codes: 0 done; 2 bad usage, a missing or unreadable input, or a server that could not be read; 3 an internal error (rerun with --verbose).";

    public static Command Create(CliHost host) =>
        new("inventory", "The estate's inventory: what each repository, image, CI server and runner holds now (kept in the store by scan, ingest, serve and the commands below). "
            + "'vulndb update' re-matches it when advisories change. Exit codes: see each subcommand's --help.")
        {
            List(host), Export(host), Import(host), InventoryPolling.Command(host), InventoryServerCommands.Jenkins(host), InventoryServerCommands.GitLab(host),
        };

    /// <summary>
    /// Opens the store <c>--store</c> (or the default) names, SQLite or PostgreSQL, when it keeps an inventory and advisories; else
    /// says why on standard error and gives null (exit 2).
    /// </summary>
    internal static async Task<IStore?> OpenAsync(CliHost host, string? option)
    {
        var path = CommonOptions.ResolveStore(host, option);
        var store = await CommonOptions.OpenAnyStoreAsync(host, path);
        if (store is null or (IInventoryStore and IAdvisoryStore)) return store;
        store.Dispose();
        await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {path}: this store keeps no inventory"));
        return null;
    }

    private static Command List(CliHost host)
    {
        var store = CommonOptions.Store();
        var command = new Command("list", "List the places of the inventory, one per line: kind, id, packages. " + ExitHelp) { store };
        command.SetAction(async (parse, _) =>
        {
            using var opened = await OpenAsync(host, parse.GetValue(store));
            if (opened is not IInventoryStore inventory) return ExitCodes.Usage;
            foreach (var place in inventory.Entries().GroupBy(e => e.Place))
            {
                // The id is escaped alone: the tabs between the columns stay tabs.
                await host.Out.WriteLineAsync($"{place.Key.KindText}\t{TerminalText.Escape(place.Key.Id)}\t{place.Count()} package{(place.Count() == 1 ? "" : "s")}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(CliHost host)
    {
        var store = CommonOptions.Store();
        var format = new Option<string>("--format", "-f") { Description = "cyclonedx (CycloneDX 1.6 JSON) or spdx (SPDX 2.3 JSON).", DefaultValueFactory = _ => "cyclonedx" };
        format.AcceptOnlyFromAmong("cyclonedx", "spdx");
        var output = new Option<string?>("--output", "-o") { Description = "Write the SBOM to this file instead of stdout.", HelpName = "FILE" };
        var command = new Command("export", "Write the whole inventory as one SBOM: each place a component (CycloneDX) or package (SPDX) holding its packages, named by purl. " + ExitHelp)
        {
            store, format, output,
        };
        command.SetAction(async (parse, _) =>
        {
            using var opened = await OpenAsync(host, parse.GetValue(store));
            if (opened is not IInventoryStore inventory) return ExitCodes.Usage;
            var sbom = parse.GetValue(format) == "spdx" ? SbomFormat.Spdx : SbomFormat.CycloneDx;
            if (parse.GetValue(output) is { } file)
            {
                var path = host.Resolve(file);
                try
                {
                    await using var stream = ReplacingFileStream.Open(path);
                    SbomWriter.Write(stream, sbom, inventory.Entries(), host.Time.GetUtcNow(), PipeWatchApp.Version);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {path}: cannot write ({ex.Message})"));
                    return ExitCodes.Usage;
                }

                var (places, entries) = inventory.CountInventory();
                await host.SayAsync($"wrote {entries} package{(entries == 1 ? "" : "s")} of {places} place{(places == 1 ? "" : "s")} to {host.Display(path)}");
                return ExitCodes.Ok;
            }

            using var buffer = new MemoryStream();
            SbomWriter.Write(buffer, sbom, inventory.Entries(), host.Time.GetUtcNow(), PipeWatchApp.Version);
            await host.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import(CliHost host)
    {
        var store = CommonOptions.Store();
        var place = new Option<string?>("--place")
        {
            Description = "The place the SBOM describes, as KIND:ID (repository:owner/name, image:alpine:3.19); default: the subject the SBOM names.",
            HelpName = "KIND:ID",
        };
        var files = new Argument<string[]>("FILE")
        {
            Description = "SBOMs: CycloneDX JSON (syft, Trivy --format cyclonedx), SPDX 2.x JSON (syft, GitHub's dependency-graph export), or a Trivy JSON report.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("import", "Import SBOMs made by other tools: each replaces what the inventory holds for the place it describes. " + ExitHelp) { store, place, files };
        command.SetAction(async (parse, ct) =>
        {
            InventoryPlace? given = null;
            if (parse.GetValue(place) is { } text)
            {
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || InventoryPlace.Parse(text[..colon]) is not { } kind || colon == text.Length - 1)
                {
                    await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: --place '{text}': expected KIND:ID with KIND one of repository, image, ci-server, runner"));
                    return ExitCodes.Usage;
                }

                given = new InventoryPlace(kind, text[(colon + 1)..]);
            }

            var read = new List<(string File, SbomContents Contents)>();
            foreach (var file in (parse.GetValue(files) ?? []).Select(host.Resolve))
            {
                try
                {
                    read.Add((file, SbomReader.Read(file, given, host.Time.GetUtcNow())));
                }
                catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
                {
                    await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {(ex is FormatException ? ex.Message : $"{host.Display(file)}: cannot read ({ex.Message})")}"));
                    return ExitCodes.Usage;
                }
            }

            using var opened = await OpenAsync(host, parse.GetValue(store));
            if (opened is not IInventoryStore inventory) return ExitCodes.Usage;
            using (var write = inventory.BeginInventory())
            {
                foreach (var (_, contents) in read) write.Replace(contents.Update);
                write.Commit();
            }

            foreach (var (file, contents) in read)
            {
                var u = contents.Update;
                await host.SayAsync(TerminalText.Escape(
                    $"{host.Display(file)}: {contents.Format}, {u.Items.Count} package{(u.Items.Count == 1 ? "" : "s")} of {u.Place}{(contents.Skipped > 0 ? $" ({contents.Skipped} without a known ecosystem left out)" : "")}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
