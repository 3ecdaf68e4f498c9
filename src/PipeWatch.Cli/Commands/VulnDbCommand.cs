using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch vulndb</c>: keeps the vulnerability advisories (OSV) that <c>scan</c> and <c>ingest</c> match dependencies against.</summary>
internal static class VulnDbCommand
{
    public static Command Create(CliHost host)
    {
        var store = CommonOptions.Store();
        var paths = new Argument<string[]>("PATH")
        {
            Description = "OSV JSON files (one record or an array), folders of them, or OSV's per-ecosystem all.zip archives "
                + "(https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip, e.g. npm, PyPI, NuGet, Maven, Go, \"GitHub Actions\").",
            Arity = ArgumentArity.OneOrMore,
        };
        var import = new Command(
            "import",
            "Import OSV advisories into the store's index, keyed by ecosystem and package name. A record replaces the stored one with its id; "
            + "a withdrawn record removes it. Scans never use the network: import again to refresh. "
            + "Exit codes: 0 imported; 2 bad usage, a missing path, or nothing usable in the input; 3 an internal error (rerun with --verbose).")
        {
            store, paths,
        };
        import.SetAction((parse, ct) => ImportAsync(host, parse.GetValue(store), parse.GetValue(paths) ?? [], ct));
        return new Command("vulndb", "Manage the vulnerability advisory index (OSV) that dependency findings are matched against. Exit codes: see each subcommand's --help.") { import };
    }

    private static async Task<int> ImportAsync(CliHost host, string? storePath, string[] paths, CancellationToken ct)
    {
        var problems = new ConsoleProblemReporter(host.Error, host.Display);
        var missing = paths.Select(host.Resolve).Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            await host.Error.WriteLineAsync($"pipewatch: {host.Display(missing[0])}: no such file or folder");
            return ExitCodes.Usage;
        }

        var store = await CommonOptions.OpenStoreAsync(host, CommonOptions.ResolveStore(host, storePath));
        if (store is null) return ExitCodes.Usage;

        using (store)
        {
            var advisories = paths.Select(host.Resolve).SelectMany(p => OsvArchive.Read(p, problems));
            AdvisoryImportResult result;
            try
            {
                result = store.ImportAdvisories(advisories, ct);
            }
            catch (OperationCanceledException)
            {
                await host.Error.WriteLineAsync("pipewatch: import interrupted; the batches committed so far are kept");
                return ExitCodes.Usage;
            }

            await host.Error.WriteLineAsync(
                $"imported {result.Imported} advisor{(result.Imported == 1 ? "y" : "ies")} ({result.Withdrawn} withdrawn removed), "
                + $"{store.AdvisoryCount()} in the index, {problems.Count} problem{(problems.Count == 1 ? "" : "s")}");
            // Nothing imported and something wrong: the input was unusable.
            return result.Imported + result.Withdrawn == 0 && problems.Count > 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
    }
}
