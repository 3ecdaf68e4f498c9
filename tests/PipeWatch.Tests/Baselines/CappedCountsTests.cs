using PipeWatch.Baselines;
using Xunit;

namespace PipeWatch.Tests.Baselines;

public sealed class CappedCountsTests
{
    [Fact]
    public void Top_gives_the_largest_counts_first_and_equal_counts_in_key_order()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["dana@example.com"] = 3, ["eve@example.com"] = 7, ["Bob@example.com"] = 3, ["ann@example.com"] = 1,
            ["carl@example.com"] = 7, ["bob@example.com"] = 3,
        };

        var top = CappedCounts.Top(counts, 4, StringComparer.Ordinal);

        Assert.Equal(
            [new("carl@example.com", 7), new("eve@example.com", 7), new("Bob@example.com", 3), new("bob@example.com", 3)],
            top);
    }

    [Fact]
    public void Top_of_fewer_keys_than_asked_gives_them_all_and_of_none_gives_nothing()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal) { ["b"] = 1, ["a"] = 2 };

        Assert.Equal([new("a", 2), new("b", 1)], CappedCounts.Top(counts, 5, StringComparer.Ordinal));
        Assert.Empty(CappedCounts.Top(counts, 0, StringComparer.Ordinal));
        Assert.Empty(CappedCounts.Top(new Dictionary<string, long>(), 5, StringComparer.Ordinal));
    }

    [Fact]
    public void Top_is_what_sorting_the_whole_map_gives_on_a_large_history()
    {
        // A thousand authors with many ties, inserted in a scrambled order, as a long history's author counts are.
        var random = new Random(26);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var i in Enumerable.Range(0, 1000).OrderBy(_ => random.Next())) counts[$"author{i % 997}-{i}@example.com"] = random.Next(1, 40);

        foreach (var n in new[] { 1, 3, 5, 50 })
        {
            var sorted = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(n).ToList();
            Assert.Equal(sorted, CappedCounts.Top(counts, n, StringComparer.Ordinal));
        }
    }
}
