using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store;

public sealed class StoreFactoryTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Theory]
    [InlineData("sqlite://{0}")]
    [InlineData("file://{0}")]
    [InlineData("sqlite://localhost{0}")]
    [InlineData("{0}")]
    public void A_path_or_a_SQLite_URI_opens_the_SQLite_store_at_that_file(string form)
    {
        var path = _temp.File("store one.db");
        var location = string.Format(System.Globalization.CultureInfo.InvariantCulture, form, form.Contains("://", StringComparison.Ordinal) ? path.Replace(" ", "%20", StringComparison.Ordinal) : path);

        using var store = StoreFactory.Open(location);

        Assert.Equal(path, Assert.IsType<SqliteStore>(store).Path);
        Assert.True(File.Exists(path));
    }

    [Theory]
    [InlineData("data/pipewatch.db", "data/pipewatch.db")]
    [InlineData("sqlite:data/pipewatch.db", "data/pipewatch.db")]
    [InlineData("file:pipewatch.db", "pipewatch.db")]
    [InlineData("sqlite:///var/lib/pipewatch/store.db", "/var/lib/pipewatch/store.db")]
    public void Relative_locations_resolve_against_the_working_directory(string location, string expected)
    {
        var resolved = StoreFactory.Resolve(location, _temp.Path);

        Assert.Equal(Path.GetFullPath(expected, _temp.Path), resolved);
    }

    [Theory]
    [InlineData("postgres://pipewatch@127.0.0.1:1/pipewatch", "postgres://pipewatch@127.0.0.1:1/pipewatch")]
    [InlineData("postgresql://127.0.0.1:1/pipewatch?sslmode=disable", "postgres://127.0.0.1:1/pipewatch")]
    [InlineData("Host=127.0.0.1;Port=1;Username=pipewatch;Database=pipewatch", "postgres://pipewatch@127.0.0.1:1/pipewatch")]
    public void A_PostgreSQL_location_opens_a_PostgreSQL_store_and_an_unreachable_server_is_a_store_error_naming_it(string location, string shown)
    {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        var error = Assert.Throws<StoreException>(() => StoreFactory.Open(location));

        Assert.StartsWith($"{shown}: cannot open the store (", error.Message, StringComparison.Ordinal);
        Assert.True(StoreFactory.IsPostgres(location));
        Assert.Equal(location, StoreFactory.Resolve(location, _temp.Path));
    }

    [Theory]
    [InlineData("postgres://db/pipewatch?sslmode=require&target=x", "postgres://db/pipewatch: unknown option 'target' in the URI")]
    [InlineData("postgres://db/pipewatch/more", "postgres://db/pipewatch/more: the URI's path names more than a database")]
    public void A_malformed_PostgreSQL_location_is_a_store_error_saying_why(string location, string reason)
    {
        var error = Assert.Throws<StoreException>(() => StoreFactory.Open(location));

        Assert.StartsWith(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_of_a_database_URI_is_not_repeated_in_the_error()
    {
        var error = Assert.Throws<StoreException>(() => StoreFactory.Open("postgres://pipewatch:hunter2@db.internal/pipewatch"));

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("postgres://pipewatch:***@db.internal/pipewatch: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql://db/pipewatch", "unknown store scheme 'mysql:'")]
    [InlineData("sqlite://db.internal/store.db", "a SQLite store is a local file; the URI names host 'db.internal'")]
    [InlineData("sqlite:///tmp/store.db?mode=ro", "options in a store URI are not supported")]
    [InlineData("sqlite:///tmp/", "the URI names no file")]
    [InlineData("   ", "the store location is empty")]
    public void A_location_PipeWatch_cannot_open_is_a_store_error_saying_why(string location, string reason)
    {
        var error = Assert.Throws<StoreException>(() => StoreFactory.Open(location));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
