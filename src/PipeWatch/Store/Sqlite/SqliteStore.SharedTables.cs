using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace PipeWatch.Store.Sqlite;

public sealed partial class SqliteStore : ISharedTables
{
    SqlDialect ISharedTables.Dialect => SqlDialect.Sqlite;

    string ISharedTables.Display => Path;

    // Unpooled, with a busy timeout: a write waits for the engine's batch to commit instead of failing.
    DbConnection ISharedTables.OpenConnection(bool readOnly)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 10000;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
