using Microsoft.Data.Sqlite;

namespace PipeWatch.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>The schema version of the store file at <paramref name="path"/> (the migrations applied), read without changing it.</summary>
    /// <exception cref="StoreException">The file cannot be read.</exception>
    internal static int SchemaVersion(string path)
    {
        try
        {
            using var connection = OpenReadOnly(path);
            return (int)UserVersion(connection);
        }
        catch (SqliteException ex)
        {
            throw new StoreException($"{path}: cannot read the store ({ex.Message.TrimEnd('.')})", ex);
        }
    }
}
