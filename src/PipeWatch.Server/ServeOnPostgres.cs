using PipeWatch.Dependencies.Advisories;
using PipeWatch.Intel;
using PipeWatch.Server.Intake;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Server;

/// <summary>Where serve keeps its own local files, and what of its store it reads beside the engine.</summary>
/// <param name="Folder">The folder of serve's local files: repository mirrors (and OSV archives on SQLite).</param>
/// <param name="IntakePath">The intake queue: a SQLite file always (a payload is in it, synced, before the 202), local to this serve.</param>
/// <param name="StoreLocation">The store as the followers open it again for their scans.</param>
/// <param name="SqlitePath">The store file when the store is SQLite; null on PostgreSQL.</param>
internal sealed record ServeFiles(string Folder, string IntakePath, string StoreLocation, string? SqlitePath);

/// <summary>
/// What serve does differently when its store is PostgreSQL: its intake queue and mirrors go to <c>serve.data-folder</c>, and its
/// scheduled refreshes (advisories, indicators, CI servers) open the shared store by its location rather than a file.
/// </summary>
internal static class ServeOnPostgres
{
    /// <summary>The intake file's name in <see cref="ServerSettings.DataFolder"/>.</summary>
    public const string IntakeFile = "pipewatch.intake.db";

    /// <summary>Where serve's local files go for <paramref name="store"/>; disposes the store and throws when serve cannot run on it as configured.</summary>
    /// <exception cref="StoreException">No data folder is given for a PostgreSQL store.</exception>
    public static ServeFiles LocalFiles(IStore store, ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store is SqliteStore sqlite)
        {
            return new ServeFiles(Path.GetDirectoryName(sqlite.Path)!, IntakeQueue.PathFor(sqlite.Path), sqlite.Path, sqlite.Path);
        }

        try
        {
            var display = (store as ISharedTables)?.Display ?? "the store";
            if (settings.DataFolder is not { } folder) throw new StoreException($"{display}: serve on a PostgreSQL store needs a local folder for its intake queue (serve.data-folder)");
            var full = Path.GetFullPath(folder);
            Directory.CreateDirectory(full);
            return new ServeFiles(full, Path.Combine(full, IntakeFile), settings.StorePath, null);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The advisory index the engine matches dependencies against: on SQLite, one that follows <c>vulndb import|update</c> through a
    /// connection of its own; on PostgreSQL the store itself, followed the same way.
    /// </summary>
    public static IAdvisoryIndex? AdvisoryIndex(IStore store, TimeProvider time)
    {
        if (store is SqliteStore sqlite)
        {
            var source = SqliteStore.Open(sqlite.Path);
            return new FollowingAdvisoryIndex(source, time, TimeSpan.FromSeconds(10), source);
        }

        // PostgreSQL: every call opens a pooled connection of its own, so the engine's store serves the index too.
        return store is IAdvisoryStore advisories ? new FollowingAdvisoryIndex(advisories, time, TimeSpan.FromSeconds(10)) : null;
    }

    /// <summary>Opens the store that <c>intel.feeds</c>' refreshes import into, a connection of its own each round.</summary>
    public static Func<IIntelStore> IntelStore(ServeFiles local)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (local.SqlitePath is { } path) return () => SqliteStore.Open(path);
        var location = local.StoreLocation;
        return () => (IIntelStore)StoreFactory.Open(location);
    }

    /// <summary>Opens the store whose inventory <c>serve.ci-servers</c>' polls write (and whose advisories they match), a connection of its own each round.</summary>
    public static Func<IStore> InventoryStore(ServeFiles local)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (local.SqlitePath is { } path) return () => SqliteStore.Open(path);
        var location = local.StoreLocation;
        return () => StoreFactory.Open(location);
    }

    /// <summary>Opens the store that <c>serve.vulndb-url</c>'s scheduled updates import into, a connection of its own each round.</summary>
    public static Func<IAdvisoryStore> AdvisoryStore(ServeFiles local)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (local.SqlitePath is { } path) return () => SqliteStore.Open(path);
        var location = local.StoreLocation;
        return () => (IAdvisoryStore)StoreFactory.Open(location);
    }
}
