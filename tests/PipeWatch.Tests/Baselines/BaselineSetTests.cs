using PipeWatch.Baselines;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Baselines;

public sealed class BaselineSetTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public void A_cache_over_its_bound_evicts_the_least_recently_used_writes_changed_ones_and_reloads_them_intact()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using var batch = store.BeginBatch();
        var set = new BaselineSet("test.durations", batch, capacity: 64);

        // 200 keys, each given its own number of samples, touched round after round: far more keys than the cache holds.
        for (var round = 0; round < 3; round++)
        {
            for (var key = 0; key < 200; key++)
            {
                var sample = set.Get<RollingSample>($"step-{key}");
                for (var i = 0; i <= key % 5; i++) sample.Add(key);
            }
        }

        Assert.InRange(set.Count, 1, 64);
        Assert.True(set.Evicted > 0);
        set.Flush();
        batch.Commit();

        using var reread = store.BeginBatch();
        var fresh = new BaselineSet("test.durations", reread);
        for (var key = 0; key < 200; key++)
        {
            var sample = fresh.Get<RollingSample>($"step-{key}");
            Assert.Equal(3 * (key % 5 + 1), sample.Count);
            Assert.Equal(key, sample.Median);
        }
    }

    [Fact]
    public void A_cache_within_its_bound_evicts_nothing()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        using var batch = store.BeginBatch();
        var set = new BaselineSet("test.durations", batch, capacity: 64);

        for (var key = 0; key < 64; key++) set.Get<RollingSample>($"step-{key}").Add(1);

        Assert.Equal(64, set.Count);
        Assert.Equal(0, set.Evicted);
    }

    public void Dispose() => _temp.Dispose();
}
