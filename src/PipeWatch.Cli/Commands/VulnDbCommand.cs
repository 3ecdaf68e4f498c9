using System.CommandLine;
using System.Globalization;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Store;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch vulndb</c>: keeps the vulnerability advisories (OSV, GHSA) that <c>scan</c> and <c>ingest</c> match dependencies against.</summary>
internal static class VulnDbCommand
{
    /// <summary>The ecosystems <c>update</c> fetches when none is named: those whose dependency files PipeWatch reads.</summary>
    public static readonly string[] DefaultEcosystems = ["npm", "PyPI", "NuGet", "Maven", "Go", "crates.io", "RubyGems", "Packagist", "GitHub Actions"];

    public const string BaseUrlVariable = "PIPEWATCH_OSV_URL";

    private const string ExitHelp = "Exit codes: 0 done; 2 bad usage, a missing path, or nothing usable in the input; 3 an internal error (rerun with --verbose).";

    public static Command Create(CliHost host) =>
        new("vulndb", "Manage the advisory database (its own file, default in the user's cache folder) that scan and ingest match dependencies against. " +
            "Exit codes: see each subcommand's --help.")
        {
            Update(host), Import(host), Status(host), List(host),
        };

    private static Option<string?> Database() => new("--db")
    {
        Description = $"The advisory database file (default: ${AdvisoryDatabase.Variable}, else advisories.db in the user's cache folder, e.g. ~/.cache/pipewatch), "
            + "or a PostgreSQL store (postgres://user@host:port/db, the password from PGPASSWORD or a password file) whose advisories serve and the workers match against.",
        HelpName = "LOCATION",
    };

    private static Command Update(CliHost host)
    {
        var db = Database();
        var ecosystems = new Option<string[]>("--ecosystem")
        {
            Description = $"An OSV ecosystem to fetch (repeatable; default: {string.Join(", ", DefaultEcosystems)}).",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = false,
        };
        var baseUrl = new Option<string?>("--base-url")
        {
            Description = $"Where the archives are: <base-url>/<ecosystem>/all.zip (default: ${BaseUrlVariable}, else {OsvFeedOptions.DefaultBaseAddress}; a mirror works).",
            HelpName = "URL",
        };
        var rematch = InventoryRematching.Option();
        var config = CommonOptions.Config();
        var command = new Command(
            "update",
            "Download OSV's per-ecosystem archives and import them into the advisory database. A refresh asks the server with the archive's ETag " +
            "(or Last-Modified) and downloads only archives that changed; unchanged ones are neither downloaded nor imported again. " + ExitHelp)
        {
            db, ecosystems, baseUrl, rematch, config,
        };
        command.SetAction((parse, ct) => UpdateAsync(host, parse.GetValue(db), parse.GetValue(ecosystems) ?? [], parse.GetValue(baseUrl), parse.GetValue(rematch), parse.GetValue(config), ct));
        return command;
    }

    private static async Task<int> UpdateAsync(CliHost host, string? dbOption, string[] ecosystems, string? baseUrlOption, string? rematch, string? configPath, CancellationToken ct)
    {
        var path = AdvisoryDatabase.Resolve(host, dbOption);
        if (path is null)
        {
            await host.Error.WriteLineAsync($"pipewatch: no cache folder known (HOME and XDG_CACHE_HOME are unset): pass --db or set ${AdvisoryDatabase.Variable}");
            return ExitCodes.Usage;
        }

        var baseText = baseUrlOption ?? host.Environment(BaseUrlVariable);
        var baseUrl = OsvFeedOptions.DefaultBaseUrl;
        if (!string.IsNullOrWhiteSpace(baseText) && (!Uri.TryCreate(baseText, UriKind.Absolute, out baseUrl!) || baseUrl.Scheme is not ("https" or "http")))
        {
            await host.Error.WriteLineAsync($"pipewatch: --base-url '{baseText}' is not an http(s) URL");
            return ExitCodes.Usage;
        }

        if (AdvisoryDatabase.ArchiveFolderFor(host, path) is not { } archives)
        {
            await host.Error.WriteLineAsync($"pipewatch: no cache folder known for the downloaded archives (HOME and XDG_CACHE_HOME are unset): set XDG_CACHE_HOME");
            return ExitCodes.Usage;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"pipewatch/{PipeWatchApp.Version}");
        var updater = new OsvFeedUpdater(http, new OsvFeedOptions { BaseUrl = baseUrl, Folder = archives });
        var results = await updater.UpdateAsync(ecosystems.Length > 0 ? ecosystems : DefaultEcosystems, ct);
        foreach (var result in results)
        {
            await host.SayAsync(result.Outcome switch
            {
                OsvFeedOutcome.Downloaded => $"{result.Ecosystem}: downloaded {Size(result.Bytes)}",
                OsvFeedOutcome.Unchanged => $"{result.Ecosystem}: unchanged",
                _ => TerminalText.Escape($"pipewatch: {result.Url}: {result.Reason}"),
            });
        }

        var downloaded = results.Where(r => r.Outcome == OsvFeedOutcome.Downloaded).ToList();
        using var opened = await AdvisoryDatabase.OpenAdvisoriesAsync(host, path, "vulndb update");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
        {
            var problems = new ConsoleProblemReporter(host.Error, host.Display);
            var imported = downloaded.Count == 0 ? new AdvisoryImportResult(0, 0, 0) : store.ImportAdvisories(downloaded.SelectMany(r => OsvArchive.Read(r.Archive, problems)), ct);
            await host.SayAsync($"updated {opened.Display}: {downloaded.Count} of {results.Count} archive{(results.Count == 1 ? "" : "s")} changed, " +
                $"{imported.Imported} advisor{(imported.Imported == 1 ? "y" : "ies")} imported, {store.AdvisoryCount()} in the database");
            if (!await InventoryRematching.RunAsync(host, rematch, configPath, store, imported, ct)) return ExitCodes.Usage;
            return results.All(r => r.Outcome == OsvFeedOutcome.Failed) ? ExitCodes.Usage : ExitCodes.Ok;
        }
    }

    private static Command Import(CliHost host)
    {
        var db = Database();
        var store = CommonOptions.Store();
        store.Description = "Import into this findings store instead of the advisory database (the layout before the database had its own file).";
        var paths = new Argument<string[]>("PATH")
        {
            Description = "OSV JSON files (one record or an array), GitHub Advisory Database files (github/advisory-database: OSV records with GHSA ids), "
                + "advisories saved from GitHub's REST API ('gh api /advisories': ghsa_id, vulnerable_version_range), folders of them, or OSV's per-ecosystem all.zip archives (https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip).",
            Arity = ArgumentArity.OneOrMore,
        };
        var rematch = InventoryRematching.Option();
        var config = CommonOptions.Config();
        var command = new Command(
            "import",
            "Import advisories from files into the advisory database, keyed by ecosystem and package name. A record replaces the stored one with its id; "
            + "a withdrawn record removes it. Scans never use the network. " + ExitHelp)
        {
            db, store, paths, rematch, config,
        };
        command.SetAction((parse, ct) => ImportAsync(host, parse.GetValue(db), parse.GetValue(store), parse.GetValue(paths) ?? [], parse.GetValue(rematch), parse.GetValue(config), ct));
        return command;
    }

    private static async Task<int> ImportAsync(CliHost host, string? dbOption, string? storePath, string[] paths, string? rematch, string? configPath, CancellationToken ct)
    {
        var problems = new ConsoleProblemReporter(host.Error, host.Display);
        var missing = paths.Select(host.Resolve).Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            await host.Error.WriteLineAsync($"pipewatch: {host.Display(missing[0])}: no such file or folder");
            return ExitCodes.Usage;
        }

        using var opened = storePath is not null
            ? await CommonOptions.OpenStorePartAsync<IAdvisoryStore>(host, CommonOptions.ResolveStore(host, storePath), "vulndb import")
            : await OpenDatabaseAsync(host, dbOption, "vulndb import");
        if (opened is null) return ExitCodes.Usage;
        var store = opened.Part;
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

            await host.SayAsync(
                $"imported {result.Imported} advisor{(result.Imported == 1 ? "y" : "ies")} ({result.Withdrawn} withdrawn removed), "
                + $"{store.AdvisoryCount()} in the index, {problems.Count} problem{(problems.Count == 1 ? "" : "s")}");
            if (!await InventoryRematching.RunAsync(host, rematch, configPath, store, result, ct, storePath)) return ExitCodes.Usage;
            // Nothing imported and something wrong: the input was unusable.
            return result.Imported + result.Withdrawn == 0 && problems.Count > 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
    }

    private static Command Status(CliHost host)
    {
        var db = Database();
        var command = new Command("status", "Show the advisory database: its file, how many advisories it holds, and each downloaded archive with its date. " + ExitHelp) { db };
        command.SetAction(async (parse, _) =>
        {
            var path = AdvisoryDatabase.Resolve(host, parse.GetValue(db));
            if (path is null || (!StoreFactory.IsPostgres(path) && !File.Exists(path)))
            {
                await host.Out.WriteLineAsync($"no advisory database{(path is null ? "" : $" at {host.Display(path)}")}; make it with 'pipewatch vulndb update'");
                return ExitCodes.Ok;
            }

            using var opened = await AdvisoryDatabase.OpenAdvisoriesAsync(host, path, "vulndb status");
            if (opened is null) return ExitCodes.Usage;
            await host.Out.WriteLineAsync($"database: {opened.Display}");
            await host.Out.WriteLineAsync($"advisories: {opened.Part.AdvisoryCount()}");
            var folder = AdvisoryDatabase.ArchiveFolderFor(host, path);
            foreach (var archive in (Directory.Exists(folder) ? Directory.GetFiles(folder, "*.zip") : []).Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(archive);
                await host.Out.WriteLineAsync(
                    $"archive {Path.GetFileNameWithoutExtension(archive)}: {Size(info.Length)}, downloaded {info.LastWriteTimeUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliHost host)
    {
        var db = Database();
        var command = new Command("list", "List the ecosystems of the advisory database with their packages and advisories, one per line. " + ExitHelp) { db };
        command.SetAction(async (parse, _) =>
        {
            var path = AdvisoryDatabase.Resolve(host, parse.GetValue(db));
            if (path is null || (!StoreFactory.IsPostgres(path) && !File.Exists(path)))
            {
                await host.Error.WriteLineAsync($"pipewatch: no advisory database{(path is null ? "" : $" at {host.Display(path)}")}; make it with 'pipewatch vulndb update'");
                return ExitCodes.Usage;
            }

            using var opened = await AdvisoryDatabase.OpenAdvisoriesAsync(host, path, "vulndb list");
            if (opened is null) return ExitCodes.Usage;
            foreach (var row in opened.Part.AdvisoryEcosystems())
            {
                await host.Out.WriteLineAsync($"{row.Ecosystem}\t{row.Packages} package{(row.Packages == 1 ? "" : "s")}\t{row.Advisories} advisor{(row.Advisories == 1 ? "y" : "ies")}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<StorePart<IAdvisoryStore>?> OpenDatabaseAsync(CliHost host, string? option, string command)
    {
        var path = AdvisoryDatabase.Resolve(host, option);
        if (path is not null) return await AdvisoryDatabase.OpenAdvisoriesAsync(host, path, command);
        await host.Error.WriteLineAsync($"pipewatch: no cache folder known (HOME and XDG_CACHE_HOME are unset): pass --db or set ${AdvisoryDatabase.Variable}");
        return null;
    }

    private static string Size(long bytes) => bytes >= 1 << 20
        ? $"{(bytes / (double)(1 << 20)).ToString("0.0", CultureInfo.InvariantCulture)} MB"
        : $"{(bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture)} KB";
}
