using System.IO.Hashing;
using System.Text;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Sqlite;

/// <summary>The bucketed event ledger: what it remembers, across batches, stores, rollbacks, other connections and older schemas.</summary>
public sealed class SqliteLedgerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();

    [Fact]
    public void A_week_of_events_is_remembered_after_reopening_and_only_new_ones_are_accepted()
    {
        var path = _temp.File("store.db");
        var events = Week(5_000);
        using (var store = SqliteStore.Open(path))
        {
            Assert.Equal(events.Count, Record(store, events, batchSize: 700));
        }

        using var reopened = SqliteStore.Open(path);
        var more = events.Concat(Week(5_100).Skip(5_000)).ToList();

        Assert.Equal(100, Record(reopened, more, batchSize: 1_000));
    }

    [Fact]
    public void Out_of_order_input_far_apart_in_time_is_remembered()
    {
        var path = _temp.File("store.db");
        var random = new Random(7);
        var events = Enumerable.Range(0, 2_000)
            .Select(i => ($"audit:{i}", (DateTimeOffset?)Start.AddMinutes(random.Next(-500_000, 500_000))))
            .ToList();
        using var store = SqliteStore.Open(path);

        Assert.Equal(2_000, Record(store, events, batchSize: 300));
        Assert.Equal(0, Record(store, events.AsEnumerable().Reverse().ToList(), batchSize: 300));
    }

    [Fact]
    public void The_same_id_at_another_time_is_another_event_and_events_without_a_time_are_kept_apart()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using var batch = store.BeginBatch();

        Assert.True(batch.TryRecordEvent("audit:1", Start));
        Assert.True(batch.TryRecordEvent("audit:1", Start.AddSeconds(1)));
        Assert.True(batch.TryRecordEvent("audit:1", null));
        Assert.True(batch.TryRecordEvent("audit:1", DateTimeOffset.UnixEpoch));
        Assert.True(batch.TryRecordEvent("audit:1", DateTimeOffset.UnixEpoch.AddSeconds(-1)));
        Assert.False(batch.TryRecordEvent("audit:1", Start));
        Assert.False(batch.TryRecordEvent("audit:1", null));
        Assert.False(batch.TryRecordEvent("audit:1", DateTimeOffset.UnixEpoch.AddSeconds(-1)));
    }

    [Fact]
    public void A_rolled_back_batch_leaves_no_event_behind_even_in_a_bucket_already_cached()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using (var first = store.BeginBatch())
        {
            Assert.True(first.TryRecordEvent("audit:1", Start));
            first.Commit();
        }

        using (var rolledBack = store.BeginBatch())
        {
            Assert.True(rolledBack.TryRecordEvent("audit:2", Start.AddSeconds(5)));
        }

        using var next = store.BeginBatch();
        Assert.False(next.TryRecordEvent("audit:1", Start));
        Assert.True(next.TryRecordEvent("audit:2", Start.AddSeconds(5)));
    }

    [Fact]
    public void What_another_connection_commits_is_seen_by_a_store_that_had_the_bucket_cached()
    {
        var path = _temp.File("store.db");
        using var mine = SqliteStore.Open(path);
        using (var batch = mine.BeginBatch())
        {
            Assert.True(batch.TryRecordEvent("audit:1", Start));
            batch.Commit();
        }

        using (var other = SqliteStore.Open(path))
        using (var batch = other.BeginBatch())
        {
            Assert.False(batch.TryRecordEvent("audit:1", Start));
            Assert.True(batch.TryRecordEvent("audit:2", Start.AddSeconds(1)));
            batch.Commit();
        }

        using (var batch = mine.BeginBatch())
        {
            Assert.False(batch.TryRecordEvent("audit:2", Start.AddSeconds(1)));
            Assert.True(batch.TryRecordEvent("audit:3", Start.AddSeconds(2)));
            batch.Commit();
        }

        // Both writers' events are in the file: neither overwrote the other's bucket.
        using var reopened = SqliteStore.Open(path);
        using var check = reopened.BeginBatch();
        Assert.False(check.TryRecordEvent("audit:1", Start));
        Assert.False(check.TryRecordEvent("audit:2", Start.AddSeconds(1)));
        Assert.False(check.TryRecordEvent("audit:3", Start.AddSeconds(2)));
    }

    [Fact]
    public void The_cache_drops_old_buckets_past_its_limit_and_reloads_them_when_needed()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"), ledgerCache: 500);
        var events = Week(3_000);

        Assert.Equal(3_000, Record(store, events, batchSize: 400));
        // 400 events of ~5 a bucket per batch: past 500 hashes the cache falls back to 250, about 50 buckets.
        Assert.InRange(store.Ledger.CachedBuckets, 1, 100);
        Assert.Equal(0, Record(store, events, batchSize: 400));
    }

    [Fact]
    public void Events_in_the_ledger_of_migration_3_still_count()
    {
        var path = _temp.File("store.db");
        var time = Start.ToUnixTimeSeconds();
        var hash = unchecked((long)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes("audit:old")));
        SqliteFile.Execute(path, string.Concat(Migrations.All.Take(4)) + $"INSERT INTO event_ledger (t, id) VALUES ({time}, {hash}); PRAGMA user_version = 4;");

        using var store = SqliteStore.Open(path);
        using var batch = store.BeginBatch();

        Assert.False(batch.TryRecordEvent("audit:old", Start));
        Assert.True(batch.TryRecordEvent("audit:old", Start.AddSeconds(1)));
        Assert.True(batch.TryRecordEvent("audit:new", Start));
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>Events every ~2 minutes over a week from <see cref="Start"/>: about 1,000 ten-minute buckets for 5,000 events.</summary>
    private static List<(string Id, DateTimeOffset? At)> Week(int count) =>
        [.. Enumerable.Range(0, count).Select(i => ($"audit:{i}", (DateTimeOffset?)Start.AddSeconds(i * 121L)))];

    /// <summary>Records the events in batches of <paramref name="batchSize"/>, each committed; returns how many were new.</summary>
    private static int Record(SqliteStore store, List<(string Id, DateTimeOffset? At)> events, int batchSize)
    {
        var accepted = 0;
        foreach (var chunk in events.Chunk(batchSize))
        {
            using var batch = store.BeginBatch();
            accepted += chunk.Count(e => batch.TryRecordEvent(e.Id, e.At));
            batch.Commit();
        }

        return accepted;
    }
}
