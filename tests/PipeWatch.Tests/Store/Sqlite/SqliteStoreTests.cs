using System.Globalization;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Sqlite;

public sealed class SqliteStoreTests : IDisposable
{
    private const string EventId = "github:job:289782451:1:completed";
    private static readonly DateTimeOffset EventTime = new(2025, 3, 14, 16, 3, 37, TimeSpan.Zero);
    private readonly TempFolder _temp = new();

    [Fact]
    public void Opening_creates_the_folder_and_the_file()
    {
        var path = _temp.File(Path.Combine("nested", "deeper", "store.db"));

        using var store = SqliteStore.Open(path);

        Assert.True(File.Exists(path));
        Assert.Equal(path, store.Path);
    }

    [Fact]
    public void Opening_sets_the_schema_version_to_the_migration_count_and_wal_mode()
    {
        var path = _temp.File("store.db");

        using (SqliteStore.Open(path))
        {
        }

        Assert.Equal(Migrations.All.Count, Convert.ToInt32(SqliteFile.Scalar(path, "PRAGMA user_version"), CultureInfo.InvariantCulture));
        Assert.Equal("wal", SqliteFile.Scalar(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Reopening_a_store_keeps_its_version()
    {
        var path = _temp.File("store.db");
        using (SqliteStore.Open(path))
        {
        }

        using (SqliteStore.Open(path))
        {
        }

        Assert.Equal((long)Migrations.All.Count, SqliteFile.Scalar(path, "PRAGMA user_version"));
    }

    [Fact]
    public void Ledger_accepts_an_event_id_once_within_a_batch()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using var batch = store.BeginBatch();

        Assert.True(batch.TryRecordEvent(EventId, EventTime));
        Assert.False(batch.TryRecordEvent(EventId, EventTime));
        Assert.True(batch.TryRecordEvent("github:job:289782451:1:in_progress", EventTime));
    }

    [Fact]
    public void Ledger_remembers_an_event_id_across_batches()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var first = store.BeginBatch())
        {
            Assert.True(first.TryRecordEvent(EventId, EventTime));
            first.Commit();
        }

        using var second = store.BeginBatch();

        Assert.False(second.TryRecordEvent(EventId, EventTime));
    }

    [Fact]
    public void Ledger_keeps_events_without_a_time_apart_from_timed_ones_and_remembers_both()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using var batch = store.BeginBatch();

        Assert.True(batch.TryRecordEvent(EventId, null));
        Assert.False(batch.TryRecordEvent(EventId, null));
        Assert.True(batch.TryRecordEvent(EventId, EventTime));
        Assert.False(batch.TryRecordEvent(EventId, EventTime));
    }

    [Fact]
    public void Ledger_of_a_store_at_version_2_still_counts_after_the_migration_to_the_time_ordered_ledger()
    {
        var path = _temp.File("store.db");
        // A store as version 2 left it, with one event in its ledger: the id's hash alone.
        var hash = unchecked((long)System.IO.Hashing.XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(EventId)));
        SqliteFile.Execute(path, Migrations.All[0] + Migrations.All[1] + $"INSERT INTO ingested_events (id) VALUES ({hash}); PRAGMA user_version = 2;");

        using var store = SqliteStore.Open(path);
        using var batch = store.BeginBatch();

        Assert.False(batch.TryRecordEvent(EventId, EventTime));
        Assert.True(batch.TryRecordEvent("github:job:289782451:1:in_progress", EventTime));
    }

    [Fact]
    public void Ledger_remembers_an_event_id_after_reopening()
    {
        var path = _temp.File("store.db");
        using (var store = SqliteStore.Open(path))
        using (var batch = store.BeginBatch())
        {
            batch.TryRecordEvent(EventId, EventTime);
            batch.Commit();
        }

        using var reopened = SqliteStore.Open(path);
        using var next = reopened.BeginBatch();

        Assert.False(next.TryRecordEvent(EventId, EventTime));
    }

    [Fact]
    public void Baseline_saved_in_a_committed_batch_is_loaded_back()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            batch.SaveBaseline("pipeline.long-duration|key", 3, [1, 2, 3]);
            batch.SaveBaseline("pipeline.long-duration|key", 4, [9, 8]);
            batch.Commit();
        }

        using var next = store.BeginBatch();
        var stored = next.LoadBaseline("pipeline.long-duration|key");

        Assert.NotNull(stored);
        Assert.Equal(4, stored.Value.Version);
        Assert.Equal([9, 8], stored.Value.Data);
        Assert.Null(next.LoadBaseline("pipeline.long-duration|other"));
    }

    [Fact]
    public void An_empty_baseline_is_stored_and_loaded_back_as_empty_not_missing()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            batch.SaveBaseline("access.suspicious-login|octocat", 1, []);
            batch.Commit();
        }

        using var next = store.BeginBatch();
        var stored = next.LoadBaseline("access.suspicious-login|octocat");

        Assert.NotNull(stored);
        Assert.Equal(1, stored.Value.Version);
        Assert.Empty(stored.Value.Data);
    }

    [Fact]
    public void Batch_disposed_without_commit_leaves_nothing()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            Assert.True(batch.TryRecordEvent(EventId, EventTime));
            batch.SaveBaseline("pipeline.long-duration|key", 1, [1, 2, 3]);
            Assert.True(batch.TryAddFinding(NewFinding("f1")));
        }

        Assert.Empty(store.QueryFindings(new FindingQuery()));
        using var next = store.BeginBatch();
        Assert.True(next.TryRecordEvent(EventId, EventTime));
        Assert.Null(next.LoadBaseline("pipeline.long-duration|key"));
    }

    [Fact]
    public void One_finding_is_kept_per_fingerprint()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            Assert.True(batch.TryAddFinding(NewFinding("same") with { Title = "first" }));
            Assert.False(batch.TryAddFinding(NewFinding("same") with { Title = "second" }));
            batch.Commit();
        }

        using (var later = store.BeginBatch())
        {
            Assert.False(later.TryAddFinding(NewFinding("same") with { Title = "third" }));
            later.Commit();
        }

        var stored = Assert.Single(store.QueryFindings(new FindingQuery()));
        Assert.Equal("first", stored.Title);
    }

    [Fact]
    public void Stored_finding_reads_back_with_every_field()
    {
        var finding = NewFinding("full") with
        {
            Evidence = [Evidence.Of("observed", "3m 20s"), Evidence.Secret("token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789")],
            Techniques = ["T1195.002"],
            Location = new Location("42", "runs/a.json", 7, "3484a3fb816e0859fd6e1cea078d76385ff50625", "https://github.com/octo-org/octo-repo/actions/runs/42"),
        };
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            batch.TryAddFinding(finding);
            batch.Commit();
        }

        var stored = Assert.Single(store.QueryFindings(new FindingQuery()));

        Assert.Equal(finding with { Evidence = stored.Evidence, Techniques = stored.Techniques }, stored);
        Assert.Equal(finding.Evidence, stored.Evidence);
        Assert.Equal(finding.Techniques, stored.Techniques);
    }

    [Fact]
    public void Queries_filter_by_since_category_severity_and_repository_and_sort_by_timestamp()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            // Written out of order; stored findings come back oldest first.
            batch.TryAddFinding(NewFinding("d", Categories.RepeatedFailures, Severity.Medium, "octo-org/other", Day(4)));
            batch.TryAddFinding(NewFinding("a", Categories.LongDuration, Severity.Low, "octo-org/octo-repo", Day(1)));
            batch.TryAddFinding(NewFinding("c", Categories.UnexpectedFailure, Severity.Critical, "octo-org/octo-repo", Day(3)));
            batch.TryAddFinding(NewFinding("b", Categories.StepOrderChanged, Severity.High, "octo-org/other", Day(2)));
            batch.Commit();
        }

        Assert.Equal(["a", "b", "c", "d"], Fingerprints(store, new FindingQuery()));
        Assert.Equal(["c", "d"], Fingerprints(store, new FindingQuery(Since: Day(3))));
        Assert.Equal(["c", "d"], Fingerprints(store, new FindingQuery(Since: Day(3).ToOffset(TimeSpan.FromHours(5)))));
        Assert.Equal(["a", "d"], Fingerprints(store, new FindingQuery(Categories: [Categories.LongDuration, Categories.RepeatedFailures])));
        Assert.Equal(["b", "c"], Fingerprints(store, new FindingQuery(MinimumSeverity: Severity.High)));
        Assert.Equal(["b", "d"], Fingerprints(store, new FindingQuery(Repository: "octo-org/other")));
        Assert.Equal(["a", "b"], Fingerprints(store, new FindingQuery(Limit: 2)));
        Assert.Equal(["d"], Fingerprints(store, new FindingQuery(Since: Day(3), MinimumSeverity: Severity.Medium, Repository: "octo-org/other")));
        Assert.Empty(Fingerprints(store, new FindingQuery(Categories: [Categories.HardcodedSecret])));
    }

    [Fact]
    public void Findings_with_the_same_timestamp_are_ordered_by_detection_time_then_fingerprint()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            batch.TryAddFinding(NewFinding("z") with { DetectedAt = Day(9) });
            batch.TryAddFinding(NewFinding("y") with { DetectedAt = Day(8) });
            batch.TryAddFinding(NewFinding("x") with { DetectedAt = Day(9) });
            batch.Commit();
        }

        Assert.Equal(["y", "x", "z"], Fingerprints(store, new FindingQuery()));
    }

    [Fact]
    public void Sqlite_file_with_its_own_tables_is_refused_with_its_name()
    {
        var path = _temp.File("notes.db");
        SqliteFile.Execute(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me');");

        var error = Assert.Throws<StoreException>(() => SqliteStore.Open(path));

        Assert.Equal($"{path}: a SQLite database that is not a PipeWatch store (it has tables but no PipeWatch schema version)", error.Message);
        Assert.Equal(0L, SqliteFile.Scalar(path, "PRAGMA user_version"));
        Assert.Equal("keep me", SqliteFile.Scalar(path, "SELECT text FROM notes"));
    }

    [Fact]
    public void Refused_sqlite_file_keeps_its_journal_mode()
    {
        var path = _temp.File("notes.db");
        SqliteFile.Execute(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);");

        Assert.Throws<StoreException>(() => SqliteStore.Open(path));

        Assert.Equal("delete", SqliteFile.Scalar(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Text_file_named_db_is_refused_with_its_name()
    {
        var path = _temp.File("readme.db");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("This is a plain text file, not a database.\n", 50)));

        var error = Assert.Throws<StoreException>(() => SqliteStore.Open(path));

        Assert.StartsWith($"{path}: not a usable PipeWatch store (", error.Message);
        Assert.Equal(string.Concat(Enumerable.Repeat("This is a plain text file, not a database.\n", 50)), File.ReadAllText(path));
    }

    [Fact]
    public void Store_from_a_newer_version_is_refused()
    {
        var path = _temp.File("store.db");
        using (SqliteStore.Open(path))
        {
        }

        var newer = Migrations.All.Count + 1;
        SqliteFile.Execute(path, $"PRAGMA user_version = {newer};");

        var error = Assert.Throws<StoreException>(() => SqliteStore.Open(path));

        Assert.Equal($"{path}: schema version {newer} is newer than this PipeWatch knows ({Migrations.All.Count}); upgrade PipeWatch", error.Message);
    }

    [Fact]
    public void A_fresh_store_has_the_incident_tables_of_migration_2()
    {
        var path = _temp.File("store.db");

        using (SqliteStore.Open(path))
        {
        }

        Assert.Equal(2L, SqliteFile.Scalar(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('incidents', 'incident_findings')"));
    }

    [Fact]
    public void A_store_at_version_1_is_migrated_to_the_latest_keeping_its_findings_and_correlates_new_ones()
    {
        var path = _temp.File("store.db");
        SqliteFile.Execute(path, Migrations.All[0] + "PRAGMA user_version = 1;");
        SqliteFile.Execute(
            path,
            """
            INSERT INTO findings (fingerprint, rule, category, severity, repository, timestamp, detected_at, body)
            VALUES ('old', 'pipeline.long-duration', 'pipeline.long-duration', 3, 'octo-org/octo-repo', '2026-10-31T12:00:00.0000000Z', '2026-11-20T12:00:00.0000000Z',
              '{"rule":"pipeline.long-duration","category":"pipeline.long-duration","severity":"high","title":"Finding old","explanation":"Why.","entity":{"repository":"octo-org/octo-repo"},"location":{},"evidence":[],"techniques":[],"timestamp":"2026-10-31T12:00:00.0000000Z","detected_at":"2026-11-20T12:00:00.0000000Z","fingerprint":"old"}');
            """);

        using var store = SqliteStore.Open(path);
        using (var batch = store.BeginBatch())
        {
            batch.TryAddFinding(NewFinding("new"));
            new IncidentCorrelator(new IncidentOptions()).Assign(NewFinding("new"), batch);
            batch.Commit();
        }

        Assert.Equal((long)Migrations.All.Count, SqliteFile.Scalar(path, "PRAGMA user_version"));
        Assert.Equal(["old", "new"], Fingerprints(store, new FindingQuery()));
        // Findings stored before migration 2 are in no incident; new ones are.
        var incident = Assert.Single(store.QueryIncidents(new IncidentQuery()));
        Assert.Equal("new", Assert.Single(incident.Findings).Fingerprint);
    }

    [Fact]
    public void Incidents_filter_by_since_and_severity_of_their_last_finding_and_highest_severity()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        var correlator = new IncidentCorrelator(new IncidentOptions());
        using (var batch = store.BeginBatch())
        {
            foreach (var finding in new[]
            {
                NewFinding("a", severity: Severity.Low, timestamp: Day(1)) with { Entity = new Entity("octo-org/octo-repo", Actor: "alice") },
                NewFinding("b", severity: Severity.High, timestamp: Day(2)) with { Entity = new Entity("octo-org/octo-repo", Actor: "bob") },
            })
            {
                batch.TryAddFinding(finding);
                correlator.Assign(finding, batch);
            }

            batch.Commit();
        }

        Assert.Equal(["b", "a"], store.QueryIncidents(new IncidentQuery()).Select(i => i.Findings[0].Fingerprint));
        Assert.Equal(["b"], store.QueryIncidents(new IncidentQuery(Since: Day(2))).Select(i => i.Findings[0].Fingerprint));
        Assert.Equal(["b"], store.QueryIncidents(new IncidentQuery(MinimumSeverity: Severity.Medium)).Select(i => i.Findings[0].Fingerprint));
    }

    [Fact]
    public void Incident_assignments_roll_back_with_their_batch()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var batch = store.BeginBatch())
        {
            batch.TryAddFinding(NewFinding("f1"));
            new IncidentCorrelator(new IncidentOptions()).Assign(NewFinding("f1"), batch);
        }

        Assert.Empty(store.QueryIncidents(new IncidentQuery()));
    }

    public void Dispose() => _temp.Dispose();

    private static DateTimeOffset Day(int day) => new(2026, 11, day, 12, 0, 0, TimeSpan.Zero);

    internal static Finding NewFinding(string fingerprint, string category = Categories.LongDuration, Severity severity = Severity.High, string? repository = "octo-org/octo-repo", DateTimeOffset? timestamp = null) => new()
    {
        Rule = category,
        Category = category,
        Severity = severity,
        Title = $"Finding {fingerprint}",
        Explanation = "Why it crossed the line.",
        Entity = new Entity(repository, "CI", "linters", "Run Rubocop", "octocat"),
        Location = new Location("5000031"),
        Timestamp = timestamp ?? Day(1),
        DetectedAt = Day(20),
        Fingerprint = fingerprint,
    };

    private static string[] Fingerprints(SqliteStore store, FindingQuery query) => [.. store.QueryFindings(query).Select(f => f.Fingerprint)];
}
