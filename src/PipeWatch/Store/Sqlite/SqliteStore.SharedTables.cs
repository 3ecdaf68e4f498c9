using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace PipeWatch.Store.Sqlite;

public sealed partial class SqliteStore : ISharedTables
{
    SqlDialect ISharedTables.Dialect => SqlDialect.Sqlite;

    string ISharedTables.Display => Path;

    DbConnection ISharedTables.OpenConnection(bool readOnly) => _immutable ? OpenReadOnly(Path) : SqliteFileTables.Open(Path, readOnly);
}

/// <summary>The shared tables of a SQLite store file that some other object opened (and migrated).</summary>
internal sealed class SqliteFileTables(string path) : ISharedTables
{
    public SqlDialect Dialect => SqlDialect.Sqlite;

    public string Display => path;

    public DbConnection OpenConnection(bool readOnly = false) => Open(path, readOnly);

    /// <summary>An unpooled connection with a busy timeout: a write waits for the engine's batch to commit instead of failing.</summary>
    internal static SqliteConnection Open(string path, bool readOnly)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // The store's own connection's settings (WAL is the file's already): an import through here writes as fast as the store does.
            command.CommandText = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;";
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
