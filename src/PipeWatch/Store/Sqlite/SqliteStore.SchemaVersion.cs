using Microsoft.Data.Sqlite;

namespace PipeWatch.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>The schema version of this open store (the migrations applied).</summary>
    internal int SchemaVersionNow => (int)UserVersion(_connection);

    /// <summary>The schema version of the store file at <paramref name="path"/> (the migrations applied), read without changing it.</summary>
    /// <exception cref="StoreException">The file cannot be read.</exception>
    internal static int SchemaVersion(string path)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            return (int)UserVersion(connection);
        }
        catch (SqliteException ex)
        {
            throw new StoreException($"{path}: cannot read the store ({ex.Message.TrimEnd('.')})", ex);
        }
    }
}
