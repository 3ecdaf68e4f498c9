using PipeWatch.Store.Postgres;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch store migrate</c> on a SQLite file and on a real PostgreSQL server.</summary>
[Collection(PostgresServer.Collection)]
public sealed class StoreMigrateTests(PostgresServer server) : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Migrate_creates_a_SQLite_store_and_says_the_version_before_and_after()
    {
        var cli = new CliRunner(_temp.Path);

        var first = await cli.RunAsync("store", "migrate", "--store", "data/store.db");
        var second = await cli.RunAsync("store", "migrate", "--store", "data/store.db");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal([$"data/store.db: schema version 0 -> {Migrations.All.Count}"], first.ErrorLines);
        Assert.Equal([$"data/store.db: schema version {Migrations.All.Count}, already current"], second.ErrorLines);
    }

    [Fact]
    public async Task Migrate_upgrades_a_PostgreSQL_database_with_the_password_from_PGPASSWORD()
    {
        var database = await server.CreateDatabaseAsync();
        var location = $"postgres://{PostgresServer.User}@{server.Host}:{server.Port}/{database}";
        var environment = new Dictionary<string, string> { ["PGPASSWORD"] = server.Password };

        // Said on standard error, like 'store check'. A process of its own: Npgsql reads PGPASSWORD from the real environment.
        var first = await CliProcess.RunAsync(_temp.Path, environment, null, TimeSpan.FromSeconds(60), "store", "migrate", "--store", location);
        var second = await CliProcess.RunAsync(_temp.Path, environment, null, TimeSpan.FromSeconds(60), "store", "migrate", "--store", location);
        var withoutPassword = await CliProcess.RunAsync(_temp.Path, null, null, TimeSpan.FromSeconds(60), "store", "migrate", "--store", location);

        Assert.Equal((0, $"{location}: schema version 0 -> {PostgresMigrations.All.Count}"), (first.ExitCode, first.Error.Trim()));
        Assert.Equal($"{location}: schema version {PostgresMigrations.All.Count}, already current", second.Error.Trim());
        Assert.Equal(2, withoutPassword.ExitCode);
        Assert.StartsWith($"pipewatch: {location}: cannot open the store (", withoutPassword.Error.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_reads_SQLite_tables_refuses_a_PostgreSQL_store_by_name()
    {
        var location = await server.NewStoreAsync();
        var cli = new CliRunner(_temp.Path);

        var findings = await cli.RunAsync("ingest", Corpus.File("github-webhooks", "workflow_run", "completed.payload.json"), "--store", location);

        Assert.Equal(2, findings.ExitCode);
        Assert.Equal([$"pipewatch: {location}: 'ingest' works on a SQLite store only so far (a PostgreSQL store serves 'serve', 'worker', 'store migrate', and the 'vulndb', 'intel', 'secrets' and 'inventory' commands)"], findings.ErrorLines);
    }

    public void Dispose() => _temp.Dispose();
}
