using System.CommandLine;
using PipeWatch.Cli.Rendering;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Cli.Commands;

/// <summary>
/// The advisory database: its own SQLite file (default under the user's cache folder), filled by <c>vulndb update|import</c>
/// and read by <c>scan</c> and <c>ingest</c> without a findings store.
/// </summary>
internal static class AdvisoryDatabase
{
    public const string Variable = "PIPEWATCH_VULNDB";

    public static Option<string?> Option() => new("--vulndb")
    {
        Description = $"The advisory database that dependencies are matched against (default: ${Variable}, else advisories.db in the " +
            "user's cache folder, e.g. ~/.cache/pipewatch; fill it with 'pipewatch vulndb update').",
        HelpName = "PATH",
    };

    /// <summary>--vulndb, else $PIPEWATCH_VULNDB, else the cache folder's advisories.db; null when no home or cache folder is known.</summary>
    /// <remarks>A PostgreSQL store's location (its advisories) is returned as it is.</remarks>
    public static string? Resolve(CliHost host, string? option)
    {
        if (!string.IsNullOrWhiteSpace(option)) return StoreFactory.IsPostgres(option) ? option : host.Resolve(option);
        if (host.Environment(Variable) is { Length: > 0 } variable) return StoreFactory.IsPostgres(variable) ? variable : host.Resolve(variable);
        return CacheFile(host);
    }

    /// <summary>Opens the advisories at <paramref name="location"/> for <paramref name="command"/>: the database file (created when new), or a PostgreSQL store's; on failure says why and gives null.</summary>
    public static async Task<StorePart<IAdvisoryStore>?> OpenAdvisoriesAsync(CliHost host, string location, string command)
    {
        if (StoreFactory.IsPostgres(location)) return await CommonOptions.OpenStorePartAsync<IAdvisoryStore>(host, location, command);
        var store = await OpenForWriteAsync(host, location);
        return store is null ? null : new StorePart<IAdvisoryStore>(store, store, host.Display(location));
    }

    /// <summary>Where downloaded archives are kept for <paramref name="location"/>: beside the database file, or for a PostgreSQL store in the user's cache folder; null when none is known.</summary>
    public static string? ArchiveFolderFor(CliHost host, string location) =>
        !StoreFactory.IsPostgres(location) ? ArchiveFolder(location) : CacheFile(host) is { } cache ? ArchiveFolder(cache) : null;

    private static string? CacheFile(CliHost host)
    {
        var cache = host.Environment("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : OperatingSystem.IsWindows() && host.Environment("LOCALAPPDATA") is { Length: > 0 } local ? local
            : host.Environment("HOME") is { Length: > 0 } home ? Path.Combine(home, OperatingSystem.IsMacOS() ? "Library/Caches" : ".cache")
            : null;
        return cache is null ? null : Path.Combine(cache, "pipewatch", "advisories.db");
    }

    /// <summary>The folder beside the database where downloaded archives are kept.</summary>
    public static string ArchiveFolder(string database) => Path.Combine(Path.GetDirectoryName(database)!, "osv");

    /// <summary>Opens (creating) the database for writing; on failure says why and gives null.</summary>
    public static async Task<SqliteStore?> OpenForWriteAsync(CliHost host, string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return SqliteStore.Open(path);
        }
        catch (Exception ex) when (ex is StoreException or IOException or UnauthorizedAccessException)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {path}: cannot open the advisory database ({ex.Message})"));
            return null;
        }
    }

    /// <summary>Opens the database for matching when it exists; a missing one is no error (dependencies are then matched against nothing).</summary>
    public static async Task<SqliteStore?> OpenExistingAsync(CliHost host, string? option)
    {
        var path = Resolve(host, option);
        if (path is null || !File.Exists(path))
        {
            if (option is not null) await host.Error.WriteLineAsync($"pipewatch: --vulndb {host.Display(path ?? option)}: no such advisory database (make it with 'pipewatch vulndb update')");
            return null;
        }

        try
        {
            return SqliteStore.Open(path);
        }
        catch (StoreException ex)
        {
            await host.Error.WriteLineAsync(TerminalText.Escape($"pipewatch: {ex.Message}"));
            return null;
        }
    }
}
