using PipeWatch.Dependencies.Advisories;
using PipeWatch.Intel;
using PipeWatch.Store;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// The store commands outside the engine (<c>vulndb</c>, <c>intel</c>, <c>secrets</c>) on a real PostgreSQL store, each said the same
/// as on a SQLite file; and the commands whose tables PostgreSQL does not hold yet refused by name (issue 23).
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresCommandsTests(PostgresServer server) : IDisposable
{
    private const string GhToken = "ghp_R8d2kLq0ZtX4mN7vB1cY5wE3sA9fG6hJ2uP0";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Vulndb_import_list_and_status_work_on_PostgreSQL_as_on_SQLite()
    {
        var location = server.Uri(await server.CreateDatabaseAsync());
        var cli = new CliRunner(_temp.Path, new() { ["XDG_CACHE_HOME"] = _temp.File("cache") });
        var files = Directory.GetFiles(OsvFiles.Fixtures, "*.json").Order(StringComparer.Ordinal).ToArray();

        var onSqlite = await cli.RunAsync(["vulndb", "import", "--db", "advisories.db", .. files]);
        var onPostgres = await cli.RunAsync(["vulndb", "import", "--db", location, .. files]);

        Assert.Equal(0, onPostgres.ExitCode);
        Assert.Equal((onSqlite.ExitCode, onSqlite.Output, onSqlite.Error), (onPostgres.ExitCode, onPostgres.Output, onPostgres.Error));
        Assert.Equal("imported 5 advisories (0 withdrawn removed), 5 in the index, 0 problems", onPostgres.Error.Trim());
        var listed = await cli.RunAsync("vulndb", "list", "--db", location);
        Assert.Equal(0, listed.ExitCode);
        Assert.Equal((await cli.RunAsync("vulndb", "list", "--db", "advisories.db")).Output, listed.Output);
        Assert.Contains("npm\t2 packages\t1 advisory", listed.OutputLines);
        var status = await cli.RunAsync("vulndb", "status", "--db", location);
        Assert.Equal([$"database: {location}", "advisories: 5"], status.OutputLines);

        // The advisories are the shared store's: what serve and the workers match against.
        using var store = StoreFactory.Open(location);
        Assert.Equal(5, ((IAdvisoryStore)store).AdvisoryCount());
    }

    [Fact]
    public async Task Vulndb_import_into_a_PostgreSQL_findings_store_with_store()
    {
        var location = server.Uri(await server.CreateDatabaseAsync());
        var cli = new CliRunner(_temp.Path);

        var imported = await cli.RunAsync("vulndb", "import", "--store", location, Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"));

        Assert.Equal((0, "imported 1 advisory (0 withdrawn removed), 1 in the index, 0 problems"), (imported.ExitCode, imported.Error.Trim()));
        using var store = StoreFactory.Open(location);
        Assert.Equal(["npm lodash GHSA-p6mc-m468-83gw"], ((IAdvisoryStore)store).OpenAdvisoryIndex().For("npm", "lodash").Select(a => $"npm lodash {a.AdvisoryId}"));
    }

    [Fact]
    public async Task Intel_import_list_and_remove_work_on_PostgreSQL_as_on_SQLite()
    {
        var location = server.Uri(await server.CreateDatabaseAsync());
        var cli = new CliRunner(_temp.Path);
        var misp = Corpus.File("intel", "misp", "existing_event.json");
        var stix = Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json");

        foreach (var store in new[] { "store.db", location })
        {
            Assert.Equal(0, (await cli.RunAsync("intel", "import", "--store", store, misp, stix)).ExitCode);
        }

        var onSqlite = await cli.RunAsync("intel", "list", "--store", "store.db");
        var onPostgres = await cli.RunAsync("intel", "list", "--store", location);
        Assert.Equal(0, onPostgres.ExitCode);
        Assert.Equal(2, onPostgres.OutputLines.Length);
        Assert.Equal((onSqlite.Output, onSqlite.Error), (onPostgres.Output, onPostgres.Error));

        var (kept, gone) = (onPostgres.OutputLines[0].Split('\t')[0], onPostgres.OutputLines[1].Split('\t')[0]);
        var removed = await cli.RunAsync("intel", "remove", "--store", location, gone);
        Assert.Equal(0, removed.ExitCode);
        Assert.StartsWith($"removed feed '{gone}' and its ", removed.Error, StringComparison.Ordinal);
        using var opened = StoreFactory.Open(location);
        Assert.Equal([kept], ((IIntelStore)opened).ListIntelFeeds().Select(f => f.Feed));
    }

    [Fact]
    public async Task Secrets_learn_list_and_forget_work_on_PostgreSQL_and_the_value_never_reaches_it()
    {
        var database = await server.CreateDatabaseAsync();
        var location = server.Uri(database);
        var cli = new CliRunner(_temp.Path, new() { ["GH_TOKEN"] = GhToken });

        var learn = await cli.RunAsync("secrets", "learn", "--env", "GH_TOKEN", "--store", location);
        Assert.Equal(0, learn.ExitCode);
        Assert.Equal($"{location}", learn.ErrorLines[^1][(learn.ErrorLines[^1].IndexOf(" into ", StringComparison.Ordinal) + 6)..]);
        Assert.StartsWith("GH_TOKEN: learned (", learn.ErrorLines[0], StringComparison.Ordinal);
        var list = await cli.RunAsync("secrets", "list", "--store", location);
        Assert.StartsWith("GH_TOKEN\t", Assert.Single(list.OutputLines), StringComparison.Ordinal);
        await using (var connection = new Npgsql.NpgsqlConnection(server.ConnectionString(database)))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM known_secrets WHERE name = 'GH_TOKEN' AND form = 'plain'", connection);
            Assert.Equal(1L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(0, (await cli.RunAsync("secrets", "forget", "--store", location, "GH_TOKEN")).ExitCode);
        Assert.Empty((await cli.RunAsync("secrets", "list", "--store", location)).OutputLines);
    }

    [Fact]
    public async Task A_command_whose_tables_PostgreSQL_does_not_hold_yet_says_so_by_name_with_exit_2()
    {
        var location = server.Uri(await server.CreateDatabaseAsync());
        var cli = new CliRunner(_temp.Path);

        var findings = await cli.RunAsync("findings", "--store", location);

        Assert.Equal(2, findings.ExitCode);
        Assert.Equal(
            $"pipewatch: {location}: 'findings' works on a SQLite store only so far (a PostgreSQL store serves 'serve', 'worker', 'store migrate', and the 'vulndb', 'intel', 'secrets' and 'inventory' commands)",
            findings.Error.Trim());
    }
}
