using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PipeWatch.Store.Sqlite;

/// <summary>Integrity on open: a damaged store is refused with one line that says how to recover, never used silently.</summary>
/// <remarks>
/// Every open checks the schema version and that every table the migrations made is there (a dropped table used to crash a
/// command with a trace); a store of up to <see cref="QuickCheckLimitBytes"/> is also read through with <c>PRAGMA quick_check</c>
/// (corrupted pages used to leave most baselines unreachable, with exit 0). Larger stores are checked on demand
/// (<c>pipewatch store check</c>, <see cref="Check"/>), which runs the full <c>integrity_check</c>.
/// </remarks>
public sealed partial class SqliteStore
{
    /// <summary>Stores up to this size are quick-checked on every open: 64 MiB takes well under a second.</summary>
    internal const long QuickCheckLimitBytes = 64L << 20;

    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteReadOnly = 8;
    private const int SqliteCannotOpen = 14;

    // The tables a fully migrated store holds, read once from a migrated in-memory database.
    private static readonly Lazy<string[]> ExpectedTables = new(() =>
    {
        using var memory = new SqliteConnection("Data Source=:memory:");
        memory.Open();
        Migrate(memory);
        return Tables(memory);
    });

    /// <summary>
    /// Checks the whole store at <paramref name="path"/> without changing it: SQLite's <c>integrity_check</c>, the schema version and every table.
    /// </summary>
    /// <returns>A line for people: the schema version and how many findings and baselines the store holds.</returns>
    /// <exception cref="StoreException">The store is missing, damaged (the message says how to recover) or not a PipeWatch store.</exception>
    public static string Check(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new StoreException($"{full}: no store here");
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            Validate(connection, full);
            var problems = Lines(connection, "PRAGMA integrity_check(100)");
            if (problems is not ["ok"]) throw Damaged(full, string.Join("; ", problems.Take(20)));
            CheckTables(connection, full);
            var version = UserVersion(connection);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"{full}: schema version {version}, {Count(connection, "findings")} findings, {Count(connection, "baselines")} baselines, integrity_check ok");
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            throw Damaged(full, ex.Message.TrimEnd('.'), ex);
        }
        catch (SqliteException ex)
        {
            throw new StoreException($"{full}: cannot read the store ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    /// <summary>The one-line refusal of a damaged store: what is wrong and the ways back.</summary>
    internal static StoreException Damaged(string path, string reason, Exception? inner = null) => new(
        $"{path}: the store is damaged ({reason}); run 'pipewatch store check' for the whole report; recover what is readable with " +
        $"sqlite3 '{path}' .recover | sqlite3 recovered.db (then --store recovered.db), restore a backup, or move the file away to start a new store",
        inner!);

    // A store small enough is read through on every open: a damaged page is found before a command relies on it.
    private static void QuickCheck(SqliteConnection connection, string path)
    {
        var length = new FileInfo(path) is { Exists: true } file ? file.Length : 0;
        if (length == 0 || length > QuickCheckLimitBytes) return;
        var result = Lines(connection, "PRAGMA quick_check(20)");
        if (result is not ["ok"]) throw Damaged(path, string.Join("; ", result.Take(5)));
    }

    // Every table the migrations made must be there: a dropped one is damage, not a crash later in some query.
    private static void CheckTables(SqliteConnection connection, string path)
    {
        var present = Tables(connection).ToHashSet(StringComparer.Ordinal);
        var missing = ExpectedTables.Value.Where(t => !present.Contains(t)).ToList();
        if (missing.Count > 0) throw Damaged(path, $"table{(missing.Count == 1 ? "" : "s")} missing: {string.Join(", ", missing)}");
    }

    // Corrupted pages; a file that is not a database at all (a text file named .db) stays "not a usable PipeWatch store".
    private static bool IsDamage(SqliteException ex) => ex.SqliteErrorCode is SqliteCorrupt;

    // Writing is refused by the file or its folder: the store can still be read (findings), and a write fails later by name.
    private static bool IsReadOnly(SqliteException ex, string path) => ex.SqliteErrorCode is SqliteReadOnly or SqliteCannotOpen && File.Exists(path);

    // A read-only folder cannot hold the WAL's shared-memory file, so the store is opened immutable: nothing can write it there anyway.
    private static SqliteConnection OpenReadOnly(string path)
    {
        var uri = new Uri(path).AbsoluteUri + "?mode=ro&immutable=1";
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = uri, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static string[] Tables(SqliteConnection connection) =>
        Lines(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");

    private static string[] Lines(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read()) lines.Add(reader.IsDBNull(0) ? string.Empty : reader.GetString(0));
        return [.. lines];
    }

    private static long Count(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
