using System.Globalization;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Sqlite;

public sealed class SqliteStoreReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Theory]
    [InlineData(PageOrder.NewestFirst)]
    [InlineData(PageOrder.OldestFirst)]
    public void A_reader_pages_through_findings_while_a_writer_commits_batches_and_sees_each_once_in_order(PageOrder order)
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var next = 0;
        Commit(store, 25, ref next);
        using var reader = store.OpenReader();

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        while (true)
        {
            var page = reader.PageFindings(new FindingQuery(), cursor, limit: 4, order);
            seen.AddRange(page.Items.Select(f => f.Fingerprint));
            pages++;
            // The writer commits between pages, and holds an open batch of findings not yet committed while the reader reads.
            Commit(store, 3, ref next);
            using (var pending = store.BeginBatch())
            {
                Assert.True(pending.TryAddFinding(Numbered(10_000 + pages)));
                Assert.DoesNotContain(reader.PageFindings(new FindingQuery(), null, 1, PageOrder.NewestFirst).Items, f => f.Fingerprint == Name(10_000 + pages));
            }

            if (page.Items.Count < 4 || pages > 100) break;
            cursor = page.Next;
        }

        Assert.Equal(seen.Count, seen.Distinct().Count());
        var numbers = seen.Select(Number).ToList();
        if (order == PageOrder.NewestFirst)
        {
            // Back from the newest when the walk began: exactly the 25 findings stored then, newest first.
            Assert.Equal(Enumerable.Range(0, 25).Reverse(), numbers);
        }
        else
        {
            // Forward, catching up with the writer: every finding committed before the last page was read, in the order stored.
            Assert.Equal(Enumerable.Range(0, numbers.Count), numbers);
            Assert.True(numbers.Count > 25, $"{numbers.Count} findings seen");
            Assert.Equal(next - 3, numbers.Count);
        }
    }

    [Fact]
    public void An_oldest_first_walk_resumes_from_its_last_cursor_with_the_findings_stored_since()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var next = 0;
        Commit(store, 3, ref next);
        using var reader = store.OpenReader();

        var first = reader.PageFindings(new FindingQuery(), null, 10, PageOrder.OldestFirst);
        var empty = reader.PageFindings(new FindingQuery(), first.Next, 10, PageOrder.OldestFirst);
        Commit(store, 2, ref next);
        var later = reader.PageFindings(new FindingQuery(), empty.Next, 10, PageOrder.OldestFirst);

        Assert.Equal([0, 1, 2], first.Items.Select(f => Number(f.Fingerprint)));
        Assert.Empty(empty.Items);
        Assert.Equal([3, 4], later.Items.Select(f => Number(f.Fingerprint)));
    }

    [Fact]
    public void A_newest_first_walk_ends_with_no_cursor()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var next = 0;
        Commit(store, 4, ref next);
        using var reader = store.OpenReader();

        var first = reader.PageFindings(new FindingQuery(), null, 2);
        var second = reader.PageFindings(new FindingQuery(), first.Next, 2);
        var third = reader.PageFindings(new FindingQuery(), second.Next, 2);

        Assert.Equal([3, 2], first.Items.Select(f => Number(f.Fingerprint)));
        Assert.Equal([1, 0], second.Items.Select(f => Number(f.Fingerprint)));
        Assert.Empty(third.Items);
        Assert.Null(third.Next);
    }

    [Fact]
    public void Pages_filter_by_category_severity_repository_and_since()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            batch.TryAddFinding(Numbered(0, Categories.LongDuration, Severity.Low, "octo-org/a", Day(1)));
            batch.TryAddFinding(Numbered(1, Categories.RepeatedFailures, Severity.High, "octo-org/a", Day(2)));
            batch.TryAddFinding(Numbered(2, Categories.RepeatedFailures, Severity.High, "octo-org/b", Day(3)));
            batch.TryAddFinding(Numbered(3, Categories.RepeatedFailures, Severity.Critical, "octo-org/a", Day(4)));
            batch.TryAddFinding(Numbered(4, Categories.RepeatedFailures, Severity.High, "octo-org/a", Day(1)));
            batch.Commit();
        }

        using var reader = store.OpenReader();
        var query = new FindingQuery(Day(2), [Categories.RepeatedFailures], Severity.High, "octo-org/a");
        var first = reader.PageFindings(query, null, 1, PageOrder.OldestFirst);
        var second = reader.PageFindings(query, first.Next, 1, PageOrder.OldestFirst);
        var third = reader.PageFindings(query, second.Next, 1, PageOrder.OldestFirst);

        Assert.Equal([1], first.Items.Select(f => Number(f.Fingerprint)));
        Assert.Equal([3], second.Items.Select(f => Number(f.Fingerprint)));
        Assert.Empty(third.Items);
    }

    [Fact]
    public void A_finding_is_found_by_its_fingerprint()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var next = 0;
        Commit(store, 3, ref next);
        using var reader = store.OpenReader();

        var found = reader.FindingByFingerprint(Name(1));
        Assert.Equal((Name(1), "Finding 1", Day(1).AddMinutes(-1)), (found?.Fingerprint, found?.Title, found?.Timestamp));
        Assert.Null(reader.FindingByFingerprint("no-such-fingerprint"));
    }

    [Fact]
    public void Incidents_are_paged_most_recently_active_first_with_their_findings()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            for (var i = 0; i < 5; i++)
            {
                // Incident i has findings on days i + 1 and i + 2.
                foreach (var (n, day) in new[] { (2 * i, i + 1), ((2 * i) + 1, i + 2) })
                {
                    var finding = Numbered(n, timestamp: Day(day), severity: i == 2 ? Severity.Critical : Severity.Medium);
                    batch.TryAddFinding(finding);
                    batch.AddToIncident($"incident-{i}", finding, new CorrelationKeys($"actor-{i}", null));
                }
            }

            batch.Commit();
        }

        using var reader = store.OpenReader();
        var first = reader.PageIncidents(new IncidentQuery(), null, 2);
        var second = reader.PageIncidents(new IncidentQuery(), first.Next, 2);
        var third = reader.PageIncidents(new IncidentQuery(), second.Next, 2);
        var critical = reader.PageIncidents(new IncidentQuery(MinimumSeverity: Severity.Critical), null, 10);

        Assert.Equal(["incident-4", "incident-3"], first.Items.Select(i => i.Id));
        Assert.Equal(["incident-2", "incident-1"], second.Items.Select(i => i.Id));
        Assert.Equal(["incident-0"], third.Items.Select(i => i.Id));
        Assert.Null(third.Next);
        var incident = first.Items[0];
        Assert.Equal([Name(8), Name(9)], incident.Findings.Select(f => f.Fingerprint));
        Assert.Equal(Day(5), incident.FirstSeen);
        Assert.Equal(Day(6), incident.LastSeen);
        Assert.Equal(["incident-2"], critical.Items.Select(i => i.Id));
        Assert.Equal(store.QueryIncidents(new IncidentQuery()).Select(i => i.Id), first.Items.Concat(second.Items).Concat(third.Items).Select(i => i.Id));
    }

    [Fact]
    public void The_read_side_reads_a_store_file_that_is_read_only()
    {
        var path = _temp.File("store.db");
        using (var store = SqliteStore.Open(path))
        {
            var next = 0;
            Commit(store, 3, ref next);
        }

        File.SetAttributes(path, FileAttributes.ReadOnly);
        var before = File.ReadAllBytes(path);
        try
        {
            using (var reader = StoreFactory.OpenReader(path))
            {
                var page = reader.PageFindings(new FindingQuery(), null, 10, PageOrder.OldestFirst);

                Assert.Equal([0, 1, 2], page.Items.Select(f => Number(f.Fingerprint)));
                Assert.Equal("Finding 2", reader.FindingByFingerprint(Name(2))?.Title);
                Assert.Empty(reader.PageIncidents(new IncidentQuery(), null, 10).Items);
            }

            // The tests may run as root, whom file permissions do not stop: the file is unchanged all the same.
            Assert.Equal(before, File.ReadAllBytes(path));
        }
        finally
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
    }

    [Fact]
    public void A_reader_does_not_wait_on_the_writer_s_open_batch()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var next = 0;
        Commit(store, 2, ref next);
        using var reader = store.OpenReader();
        using var batch = store.BeginBatch();
        for (var i = 100; i < 200; i++) batch.TryAddFinding(Numbered(i));

        var started = System.Diagnostics.Stopwatch.StartNew();
        var page = reader.PageFindings(new FindingQuery(), null, 10);

        Assert.Equal([1, 0], page.Items.Select(f => Number(f.Fingerprint)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"waited {started.Elapsed}");
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("bm90LWEtY3Vyc29y")]
    public void A_cursor_the_listing_did_not_give_is_refused(string cursor)
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using var reader = store.OpenReader();

        Assert.Throws<ArgumentException>(() => reader.PageFindings(new FindingQuery(), cursor, 10));
    }

    [Fact]
    public void A_cursor_of_the_other_order_is_refused()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var next = 0;
        Commit(store, 3, ref next);
        using var reader = store.OpenReader();
        var newest = reader.PageFindings(new FindingQuery(), null, 1);

        Assert.Throws<ArgumentException>(() => reader.PageFindings(new FindingQuery(), newest.Next, 1, PageOrder.OldestFirst));
        Assert.Throws<ArgumentException>(() => reader.PageIncidents(new IncidentQuery(), newest.Next, 1));
    }

    [Fact]
    public void A_store_of_an_older_schema_is_upgraded_keeping_its_findings_in_their_order()
    {
        var path = _temp.File("store.db");
        SqliteFile.Execute(path, string.Join(";\n", Migrations.All.Take(6)) + $";\nPRAGMA user_version = 6;");
        SqliteFile.Execute(path, string.Join(";\n", Enumerable.Range(0, 3).Select(i =>
            $"INSERT INTO findings (fingerprint, rule, category, severity, repository, timestamp, detected_at, body) VALUES ('{Name(i)}', 'r', 'c', 3, 'octo-org/a', '2026-11-0{3 - i}T12:00:00.0000000Z', '2026-11-20T12:00:00.0000000Z', '{Json(Numbered(i, timestamp: Day(3 - i)))}')")));

        Assert.Throws<StoreException>(() => StoreFactory.OpenReader(path));
        using var store = SqliteStore.Open(path);
        using var reader = store.OpenReader();
        var page = reader.PageFindings(new FindingQuery(), null, 10, PageOrder.OldestFirst);

        Assert.Equal([Name(0), Name(1), Name(2)], page.Items.Select(f => f.Fingerprint));
        Assert.Equal((long)Migrations.All.Count, SqliteFile.Scalar(path, "PRAGMA user_version"));
    }

    public void Dispose() => _temp.Dispose();

    private static void Commit(SqliteStore store, int count, ref int next)
    {
        using var batch = store.BeginBatch();
        for (var i = 0; i < count; i++)
        {
            // Timestamps go backwards as findings are stored: paging follows the order stored, not the event time.
            Assert.True(batch.TryAddFinding(Numbered(next, timestamp: Day(1).AddMinutes(-next))));
            next++;
        }

        batch.Commit();
    }

    private static string Json(Finding finding)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            FindingJson.Write(writer, finding);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()).Replace("'", "''", StringComparison.Ordinal);
    }

    private static string Name(int n) => "finding-" + n.ToString("D5", CultureInfo.InvariantCulture);

    private static int Number(string fingerprint) => int.Parse(fingerprint["finding-".Length..], CultureInfo.InvariantCulture);

    private static DateTimeOffset Day(int day) => new(2026, 11, day, 12, 0, 0, TimeSpan.Zero);

    private static Finding Numbered(int n, string category = Categories.LongDuration, Severity severity = Severity.High, string? repository = "octo-org/octo-repo", DateTimeOffset? timestamp = null) =>
        SqliteStoreTests.NewFinding(Name(n), category, severity, repository, timestamp) with { Title = $"Finding {n}" };
}
