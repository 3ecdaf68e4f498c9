using System.Text;
using PipeWatch.Server.Intake;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>The durable intake queue on a real SQLite file: the backlog bound, replays, and what a reopen finds.</summary>
public sealed class IntakeQueueTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Past_the_backlog_a_payload_is_refused_and_not_stored_and_a_completed_one_makes_room()
    {
        var path = _temp.File("q.intake.db");
        await using var queue = IntakeQueue.Open(path, backlog: 2, backlogBytes: 1 << 20);

        Assert.Equal(EnqueueOutcome.Accepted, await queue.EnqueueAsync(Item("a")));
        Assert.Equal(EnqueueOutcome.Accepted, await queue.EnqueueAsync(Item("b")));
        Assert.Equal(EnqueueOutcome.Full, await queue.EnqueueAsync(Item("c")));
        Assert.Equal(2, queue.Backlog);

        Assert.True(queue.Ready.TryRead(out var first));
        queue.Complete([first]);
        Assert.Equal(EnqueueOutcome.Accepted, await queue.EnqueueAsync(Item("c")));
        Assert.True(queue.Ready.TryRead(out var second));
        queue.Complete([second]);
        Assert.Equal(EnqueueOutcome.Replayed, await queue.EnqueueAsync(Item("a")));
        Assert.Equal(1, queue.Backlog);
    }

    [Fact]
    public async Task A_reopened_queue_hands_over_again_what_was_not_completed_in_order_and_still_refuses_replays()
    {
        var path = _temp.File("q.intake.db");
        await using (var queue = IntakeQueue.Open(path, 100, 1 << 20))
        {
            foreach (var id in new[] { "a", "b", "c" }) await queue.EnqueueAsync(Item(id));
            Assert.True(queue.Ready.TryRead(out var a));
            queue.Complete([a]);
        }

        await using var reopened = IntakeQueue.Open(path, 100, 1 << 20);
        var rows = new List<string?>();
        while (reopened.Ready.TryRead(out var row)) rows.Add(row.Item.Delivery);

        Assert.Equal(["b", "c"], rows);
        Assert.Equal(2, reopened.Recovered);
        Assert.Equal(EnqueueOutcome.Replayed, await reopened.EnqueueAsync(Item("a")));
    }

    private static IntakeItem Item(string delivery) =>
        new(IntakeKinds.Payload, "github", delivery, "github:member", $"webhook:github/{delivery}", Encoding.UTF8.GetBytes("{}"), 0);

    public void Dispose() => _temp.Dispose();
}
