using PipeWatch.Store.Postgres;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Store;

/// <summary>Opens the store a location names: a SQLite file path, a <c>file:</c> or <c>sqlite:</c> URI, or a PostgreSQL database.</summary>
/// <remarks>
/// A location is a plain path unless it begins with a scheme of two or more letters and a colon (<c>C:\…</c> is a path). URIs
/// carry their path after the scheme: <c>sqlite:///var/lib/pipewatch.db</c> and <c>file:///var/lib/pipewatch.db</c> are absolute,
/// <c>sqlite:data/pipewatch.db</c> is relative; percent-escapes are decoded; an authority other than empty or <c>localhost</c> is refused.
/// A PostgreSQL store is a <c>postgres://user@host:port/database</c> (or <c>postgresql://</c>) URI or an Npgsql connection string
/// (<c>Host=…;Database=…</c>); its password comes from <c>PGPASSWORD</c> or a password file (<c>PGPASSFILE</c>, <c>passfile=</c>),
/// never from the location, which is refused when it carries one.
/// </remarks>
public static class StoreFactory
{
    /// <summary>Opens (creating and migrating as needed) the store at <paramref name="location"/>, relative paths against the current directory.</summary>
    /// <exception cref="StoreException">The location is not one PipeWatch can open, or the store cannot be opened.</exception>
    public static IStore Open(string location) =>
        IsPostgres(location) ? PostgresStore.Open(location) : SqliteStore.Open(SqlitePath(location, Environment.CurrentDirectory));

    /// <summary>Opens only the read side of the store at <paramref name="location"/>, without writing to it (the file may be read-only).</summary>
    /// <exception cref="StoreException">The location is not one PipeWatch can open, or the store cannot be read.</exception>
    public static IStoreReader OpenReader(string location) =>
        IsPostgres(location) ? PostgresStoreReader.Open(location) : SqliteStoreReader.Open(SqlitePath(location, Environment.CurrentDirectory));

    /// <summary>Applies the schema migrations the store at <paramref name="location"/> lacks (creating it when it is a new SQLite file); returns the schema version before and after.</summary>
    /// <exception cref="StoreException">The location is not one PipeWatch can open, or the store cannot be opened or migrated.</exception>
    public static (int Before, int After) Migrate(string location)
    {
        if (IsPostgres(location)) return PostgresStore.Migrate(location);
        var path = SqlitePath(location, Environment.CurrentDirectory);
        var before = File.Exists(path) ? SqliteStore.SchemaVersion(path) : 0;
        using var store = SqliteStore.Open(path);
        return (before, store.SchemaVersionNow);
    }

    /// <summary>
    /// The alert routes' delivery log (dead letters, for <c>alerts retry</c>) and outbox in <paramref name="store"/>'s tables, SQLite or
    /// PostgreSQL, on connections of its own. It is <see cref="IDisposable"/>: dispose it before the store.
    /// </summary>
    /// <exception cref="StoreException">The store keeps no delivery log, or it cannot be read.</exception>
    public static IDeliveryLog OpenDeliveryLog(IStore store, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store is SqliteStore sqlite) return SqliteDeliveryLog.Open(sqlite.Path, time);
        if (store is not ISharedTables tables) throw new StoreException("this store keeps no alert delivery log");
        var log = new SharedDeliveryLog(tables, time ?? TimeProvider.System);
        log.Check();
        return log;
    }

    /// <summary>True when <paramref name="location"/> names a PostgreSQL store (a <c>postgres://</c> or <c>postgresql://</c> URI, or a connection string with a host).</summary>
    public static bool IsPostgres(string location) => PostgresLocation.Matches(location);

    /// <summary>
    /// The location with a relative path made absolute against <paramref name="workingDirectory"/>: a plain path or a SQLite URI
    /// becomes a full file path; any other location is returned as it is (its error comes when it is opened).
    /// </summary>
    public static string Resolve(string location, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(location);
        try
        {
            return SqlitePath(location, workingDirectory);
        }
        catch (StoreException)
        {
            return location;
        }
    }

    /// <summary>The full path of the SQLite file <paramref name="location"/> names.</summary>
    /// <exception cref="StoreException">The location names another kind of store, or is malformed.</exception>
    public static string SqlitePath(string location, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (string.IsNullOrWhiteSpace(location)) throw new StoreException("the store location is empty");
        var scheme = Scheme(location);
        if (scheme is "postgres" or "postgresql" || IsPostgres(location))
        {
            // A connection string may hold a password: it is not repeated.
            var named = location.Contains("://", StringComparison.Ordinal) ? Redacted(location) : "the connection string";
            throw new StoreException($"{named}: a PostgreSQL store, not a SQLite file");
        }

        if (scheme is null) return Path.GetFullPath(location, workingDirectory);

        if (!IsSqlite(scheme))
        {
            throw new StoreException($"{Redacted(location)}: unknown store scheme '{scheme}:' (give a file path, a 'sqlite:' or 'file:' URI)");
        }

        var rest = location[(scheme.Length + 1)..];
        if (rest.Contains('?', StringComparison.Ordinal) || rest.Contains('#', StringComparison.Ordinal))
        {
            throw new StoreException($"{location}: options in a store URI are not supported; give the path alone");
        }

        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = rest.IndexOf('/', 2);
            var authority = slash < 0 ? rest[2..] : rest[2..slash];
            if (authority.Length > 0 && !string.Equals(authority, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreException($"{location}: a SQLite store is a local file; the URI names host '{authority}'");
            }

            rest = slash < 0 ? string.Empty : rest[slash..];
            // file:///C:/store.db: the drive letter follows the slash.
            if (OperatingSystem.IsWindows() && rest.Length >= 3 && rest[0] == '/' && char.IsAsciiLetter(rest[1]) && rest[2] == ':') rest = rest[1..];
        }

        var path = Uri.UnescapeDataString(rest);
        if (path.Length == 0 || path.EndsWith('/')) throw new StoreException($"{location}: the URI names no file");
        return Path.GetFullPath(path, workingDirectory);
    }

    private static bool IsSqlite(string scheme) => scheme is "sqlite" or "file";

    /// <summary>The lower-cased scheme of a URI-shaped location; null for a path (a single letter is a Windows drive).</summary>
    private static string? Scheme(string location)
    {
        var colon = location.IndexOf(':', StringComparison.Ordinal);
        if (colon < 2 || !char.IsAsciiLetter(location[0])) return null;
        for (var i = 1; i < colon; i++)
        {
            var c = location[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.')) return null;
        }

        return location[..colon].ToLowerInvariant();
    }

    /// <summary>The location without the password a database URI may carry, for messages.</summary>
    private static string Redacted(string location)
    {
        var start = location.IndexOf("://", StringComparison.Ordinal);
        if (start < 0) return location;
        var at = location.IndexOf('@', start + 3);
        var end = location.IndexOf('/', start + 3);
        if (at < 0 || (end >= 0 && end < at)) return location;
        var colon = location.IndexOf(':', start + 3);
        return colon >= 0 && colon < at ? string.Concat(location.AsSpan(0, colon + 1), "***", location.AsSpan(at)) : location;
    }
}
