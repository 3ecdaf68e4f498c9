using PipeWatch.Events;
using PipeWatch.Sources;
using Xunit;

namespace PipeWatch.Tests.Sources;

public sealed class SourceBlocksTests
{
    [Fact]
    public async Task Gather_makes_full_blocks_and_a_shorter_last_one()
    {
        var blocks = await ToListAsync(SourceBlocks.Gather(Events(7), 3, TestContext.Current.CancellationToken));

        Assert.Equal([3, 3, 1], blocks.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"e{i}"), blocks.SelectMany(b => b).Select(e => e.Id));
    }

    [Fact]
    public async Task Gather_makes_no_block_of_nothing()
    {
        Assert.Empty(await ToListAsync(SourceBlocks.Gather(Events(0), 3, TestContext.Current.CancellationToken)));
        Assert.Single(await ToListAsync(SourceBlocks.Gather(Events(3), 3, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Flatten_gives_back_the_events_in_order()
    {
        var flat = new List<string>();
        await foreach (var e in SourceBlocks.Flatten(SourceBlocks.Gather(Events(5), 2, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken))
        {
            flat.Add(e.Id);
        }

        Assert.Equal(["e0", "e1", "e2", "e3", "e4"], flat);
    }

    private static async IAsyncEnumerable<Event> Events(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return new Event
            {
                Kind = EventKind.Audit,
                Id = $"e{i}",
                Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i),
                Dataset = "test",
                Ci = CiContext.ForRepository("octo-org/octo-repo", "github"),
                Origin = new Origin("events.jsonl", i + 1),
            };
        }
    }

    private static async Task<List<Event[]>> ToListAsync(IAsyncEnumerable<Event[]> blocks)
    {
        var list = new List<Event[]>();
        await foreach (var block in blocks)
        {
            list.Add(block);
        }

        return list;
    }
}
