using Npgsql;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Store.Postgres;
using PipeWatch.Tests.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>The PostgreSQL store against a real server (<see cref="PostgresServer"/>), a database per test.</summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresStoreTests(PostgresServer server)
{
    [Fact]
    public async Task A_new_database_is_migrated_once_and_records_each_migration()
    {
        var location = await server.NewStoreAsync();

        var first = StoreFactory.Migrate(location);
        var second = StoreFactory.Migrate(location);
        using (StoreFactory.Open(location))
        {
        }

        Assert.Equal((0, PostgresMigrations.All.Count), first);
        Assert.Equal((PostgresMigrations.All.Count, PostgresMigrations.All.Count), second);
        Assert.Equal(PostgresMigrations.All.Count, await ScalarAsync<long>(location, "SELECT count(*) FROM pipewatch_schema"));
    }

    [Fact]
    public async Task The_ledger_records_a_block_in_one_call_an_id_twice_in_it_new_once_and_a_rollback_forgets()
    {
        using var store = StoreFactory.Open(await server.NewStoreAsync());
        var at = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var isNew = new bool[3];

        using (var batch = store.BeginBatch())
        {
            batch.RecordEvents([new("a", at), new("b", null), new("a", at)], isNew);
            batch.Commit();
        }

        Assert.Equal([true, true, false], isNew);
        using (var batch = store.BeginBatch())
        {
            batch.RecordEvents([new("a", at), new("b", null), new("a", at.AddSeconds(1))], isNew);
            Assert.True(batch.TryRecordEvent("rolled-back", at));
        }

        // The same id at another time is another event, as in the SQLite ledger.
        Assert.Equal([false, false, true], isNew);
        using (var batch = store.BeginBatch())
        {
            Assert.True(batch.TryRecordEvent("rolled-back", at));
            Assert.True(batch.TryRecordEvent("a", at.AddSeconds(1)));
        }
    }

    [Fact]
    public async Task Findings_are_stored_once_per_fingerprint_and_read_back_as_written()
    {
        using var store = StoreFactory.Open(await server.NewStoreAsync());
        var one = SqliteStoreTests.NewFinding("fp-1", timestamp: new DateTimeOffset(2026, 11, 2, 8, 30, 15, 123, TimeSpan.Zero));
        var two = SqliteStoreTests.NewFinding("fp-2", Categories.UnauthorizedAuthor, Severity.Critical, "Octo-Org/Other");
        var added = new bool[3];

        using (var batch = store.BeginBatch())
        {
            batch.AddFindings([one, two, one], added);
            batch.Commit();
        }

        using (var batch = store.BeginBatch())
        {
            Assert.False(batch.TryAddFinding(two));
            Assert.True(batch.TryAddFinding(SqliteStoreTests.NewFinding("fp-3")));
            batch.Commit();
        }

        Assert.Equal([true, true, false], added);
        var all = store.QueryFindings(new FindingQuery());
        Assert.Equal(["fp-2", "fp-3", "fp-1"], all.Select(f => f.Fingerprint));
        var read = all.Single(f => f.Fingerprint == "fp-1");
        Assert.Equal((one.Title, one.Explanation, one.Timestamp, one.DetectedAt, one.Entity, one.Severity), (read.Title, read.Explanation, read.Timestamp, read.DetectedAt, read.Entity, read.Severity));
        Assert.Equal(["fp-2"], store.QueryFindings(new FindingQuery(Repository: "octo-org/other")).Select(f => f.Fingerprint));
        Assert.Equal(["fp-2"], store.QueryFindings(new FindingQuery(MinimumSeverity: Severity.Critical)).Select(f => f.Fingerprint));
        Assert.Equal(["fp-2"], store.QueryFindings(new FindingQuery(Categories: [Categories.UnauthorizedAuthor])).Select(f => f.Fingerprint));
        using var reader = store.OpenReader();
        Assert.Equal("fp-3", reader.FindingByFingerprint("fp-3")?.Fingerprint);
        Assert.Null(reader.FindingByFingerprint("fp-9"));
    }

    [Theory]
    [InlineData(PageOrder.NewestFirst)]
    [InlineData(PageOrder.OldestFirst)]
    public async Task A_reader_pages_through_findings_while_a_writer_commits_and_sees_each_once_in_order(PageOrder order)
    {
        using var store = StoreFactory.Open(await server.NewStoreAsync());
        var next = 0;
        Commit(store, 25, ref next);
        using var reader = store.OpenReader();

        var seen = new List<int>();
        string? cursor = null;
        for (var pages = 1; pages < 100; pages++)
        {
            var page = reader.PageFindings(new FindingQuery(), cursor, limit: 4, order);
            seen.AddRange(page.Items.Select(f => int.Parse(f.Fingerprint[3..], System.Globalization.CultureInfo.InvariantCulture)));
            Commit(store, 3, ref next);
            using (var pending = store.BeginBatch())
            {
                // Uncommitted: never seen by the reader.
                Assert.True(pending.TryAddFinding(SqliteStoreTests.NewFinding("pending")));
                Assert.DoesNotContain(reader.PageFindings(new FindingQuery(), null, 1).Items, f => f.Fingerprint == "pending");
            }

            if (page.Items.Count < 4) break;
            cursor = page.Next;
        }

        if (order == PageOrder.NewestFirst)
        {
            Assert.Equal(Enumerable.Range(0, 25).Reverse(), seen);
        }
        else
        {
            Assert.Equal(Enumerable.Range(0, seen.Count), seen);
            Assert.Equal(next - 3, seen.Count);
        }

        Assert.Throws<ArgumentException>(() => reader.PageFindings(new FindingQuery(), "bm90LWEtY3Vyc29y", 4, order));
    }

    [Fact]
    public async Task Incidents_group_findings_by_actor_and_page_most_recently_active_first()
    {
        using var store = StoreFactory.Open(await server.NewStoreAsync());
        var correlator = new IncidentCorrelator(new IncidentOptions());
        var at = new DateTimeOffset(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);
        Finding By(string fingerprint, string actor, int minutes) =>
            SqliteStoreTests.NewFinding(fingerprint, timestamp: at.AddMinutes(minutes)) with { Entity = new Entity("octo-org/octo-repo", Actor: actor), Location = new Location() };

        using (var batch = store.BeginBatch())
        {
            foreach (var finding in new[] { By("a1", "alice", 0), By("b1", "bob", 1), By("a2", "alice", 2), By("c1", "carol", 200) })
            {
                Assert.True(batch.TryAddFinding(finding));
                correlator.Assign(finding, batch);
            }

            batch.Commit();
        }

        var incidents = store.QueryIncidents(new IncidentQuery());
        Assert.Equal([["c1"], ["a1", "a2"], ["b1"]], incidents.Select(i => i.Findings.Select(f => f.Fingerprint).ToArray()));
        Assert.Equal((at, at.AddMinutes(2)), (incidents[1].FirstSeen, incidents[1].LastSeen));
        using var reader = store.OpenReader();
        var first = reader.PageIncidents(new IncidentQuery(), null, 2);
        var second = reader.PageIncidents(new IncidentQuery(), first.Next, 2);
        Assert.Equal(incidents.Select(i => i.Id), first.Items.Concat(second.Items).Select(i => i.Id));
        Assert.Null(second.Next);
    }

    [Fact]
    public async Task A_password_in_the_location_is_refused_without_repeating_it()
    {
        var database = await server.CreateDatabaseAsync();

        var uri = Assert.Throws<StoreException>(() => StoreFactory.Open($"postgres://{PostgresServer.User}:hunter2@{server.Host}:{server.Port}/{database}"));
        var query = Assert.Throws<StoreException>(() => StoreFactory.Open($"postgresql://{server.Host}:{server.Port}/{database}?password=hunter2"));
        var connectionString = Assert.Throws<StoreException>(() => StoreFactory.Open($"Host={server.Host};Port={server.Port};Database={database};Password=hunter2"));

        Assert.All(new[] { uri, query, connectionString }, e => Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal));
        Assert.StartsWith($"postgres://{PostgresServer.User}:***@{server.Host}:{server.Port}/{database}: the URI carries a password", uri.Message, StringComparison.Ordinal);
        Assert.Contains("PGPASSWORD", connectionString.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_from_the_password_file_is_a_store_error_naming_the_location()
    {
        var database = await server.CreateDatabaseAsync();
        using var temp = new TempFolder();
        var passfile = temp.File("pgpass");
        await File.WriteAllTextAsync(passfile, $"{server.Host}:{server.Port}:*:{PostgresServer.User}:not-the-password\n", TestContext.Current.CancellationToken);

        var error = Assert.Throws<StoreException>(() => StoreFactory.Open($"postgres://{PostgresServer.User}@{server.Host}:{server.Port}/{database}?passfile={Uri.EscapeDataString(passfile)}"));

        Assert.StartsWith($"postgres://{PostgresServer.User}@{server.Host}:{server.Port}/{database}: cannot open the store (", error.Message, StringComparison.Ordinal);
        Assert.Contains("password authentication failed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_with_a_password_file_opens_the_same_store_as_the_URI()
    {
        var database = await server.CreateDatabaseAsync();
        using (var store = StoreFactory.Open(server.Uri(database)))
        using (var batch = store.BeginBatch())
        {
            batch.TryAddFinding(SqliteStoreTests.NewFinding("fp-1"));
            batch.Commit();
        }

        using var again = StoreFactory.Open($"Host={server.Host};Port={server.Port};Username={PostgresServer.User};Database={database};Passfile={server.PassFile}");
        using var reader = StoreFactory.OpenReader(server.Uri(database));

        Assert.Equal(["fp-1"], again.QueryFindings(new FindingQuery()).Select(f => f.Fingerprint));
        Assert.NotNull(reader.FindingByFingerprint("fp-1"));
    }

    private static void Commit(IStore store, int count, ref int next)
    {
        using var batch = store.BeginBatch();
        for (var i = 0; i < count; i++) Assert.True(batch.TryAddFinding(SqliteStoreTests.NewFinding($"fp-{next++:D4}")));
        batch.Commit();
    }

    private async Task<T> ScalarAsync<T>(string location, string sql)
    {
        var database = location[(location.LastIndexOf('/') + 1)..location.IndexOf('?', StringComparison.Ordinal)];
        await using var connection = new NpgsqlConnection(server.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
