using PipeWatch.Store;
using PipeWatch.Store.Postgres;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Tests.Support;

/// <summary>
/// The set-up of the tests that compare the two stores: a fresh SQLite store file in a temp folder of its own beside a fresh database
/// on the collection's <see cref="PostgresServer"/>, opened as a PostgreSQL store. Disposes both stores and the folder.
/// </summary>
/// <remarks>Tests that need only a PostgreSQL location take <see cref="PostgresServer.NewStoreAsync"/>.</remarks>
internal sealed class StorePair : IDisposable
{
    private StorePair(TempFolder folder, SqliteStore sqlite, PostgresStore postgres, string database, string location)
    {
        Folder = folder;
        Sqlite = sqlite;
        Postgres = postgres;
        Database = database;
        Location = location;
    }

    /// <summary>The temp folder holding the SQLite store (<c>store.db</c>); the test's other files can go there too.</summary>
    public TempFolder Folder { get; }

    public SqliteStore Sqlite { get; }

    public PostgresStore Postgres { get; }

    /// <summary>The PostgreSQL database's name (for the test's own connections: <see cref="PostgresServer.ConnectionString"/>).</summary>
    public string Database { get; }

    /// <summary>The PostgreSQL store's location, for a second store or a process opened on the same database.</summary>
    public string Location { get; }

    /// <summary>Both stores, each new and empty (migrated).</summary>
    public static async Task<StorePair> OpenAsync(PostgresServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var database = await server.CreateDatabaseAsync();
        var location = server.Uri(database);
        var folder = new TempFolder();
        SqliteStore? sqlite = null;
        try
        {
            sqlite = SqliteStore.Open(folder.File("store.db"));
            return new StorePair(folder, sqlite, (PostgresStore)StoreFactory.Open(location), database, location);
        }
        catch
        {
            sqlite?.Dispose();
            folder.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Postgres.Dispose();
        Sqlite.Dispose();
        Folder.Dispose();
    }
}
