using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Sqlite;

/// <summary>The block calls of a store batch (one per block of events or findings, one round trip for a remote store) answer as the single calls do.</summary>
public sealed class StoreBatchBlockTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task A_block_of_events_is_new_once_per_id_across_blocks_and_within_one()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        IStoreBatch first = store.BeginBatch();
        using (first)
        {
            Assert.True(first.TryRecordEvent("github:delivery:1", Noon));
            await first.CommitAsync(TestContext.Current.CancellationToken);
        }

        using IStoreBatch batch = store.BeginBatch();
        LedgerEntry[] block =
        [
            new("github:delivery:1", Noon),
            new("github:delivery:2", Noon.AddMinutes(1)),
            new("github:delivery:2", Noon.AddMinutes(1)),
            new("jenkins:build:7", null),
        ];
        var isNew = new bool[block.Length];

        batch.RecordEvents(block, isNew);

        Assert.Equal([false, true, false, true], isNew);
    }

    [Fact]
    public void A_block_of_findings_is_added_once_per_fingerprint()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using IStoreBatch batch = store.BeginBatch();
        Assert.True(batch.TryAddFinding(SqliteStoreTests.NewFinding("known")));
        var added = new bool[3];

        batch.AddFindings([SqliteStoreTests.NewFinding("known"), SqliteStoreTests.NewFinding("fresh"), SqliteStoreTests.NewFinding("fresh")], added);
        batch.Commit();

        Assert.Equal([false, true, false], added);
        Assert.Equal(["fresh", "known"], store.QueryFindings(new FindingQuery()).Select(f => f.Fingerprint).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Too_few_flags_for_the_block_is_refused()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using IStoreBatch batch = store.BeginBatch();

        Assert.Throws<ArgumentException>(() => batch.RecordEvents([new LedgerEntry("a", null), new LedgerEntry("b", null)], new bool[1]));
    }

    public void Dispose() => _temp.Dispose();
}
