using System.IO.Pipes;
using System.Text;
using PipeWatch.Sources.Runner.Agent;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Agent;

/// <summary>A tracer's lines handed on in batches: all of them, in order, none larger than asked; an urgent line without waiting for the end; a read failure said.</summary>
public sealed class LineBatchesTests
{
    [Fact]
    public async Task Every_line_arrives_once_in_order_in_batches_no_larger_than_asked()
    {
        var lines = Enumerable.Range(0, 12_345).Select(i => $"line {i} {new string('x', i % 37)}").ToArray();
        var seen = new List<string>();
        var sizes = new List<int>();

        await LineBatches.ReadAsync(new StringReader(string.Join('\n', lines) + "\n"), 500, _ => false, (batch, _) =>
        {
            sizes.Add(batch.Count);
            seen.AddRange(batch);
            return Task.CompletedTask;
        });

        Assert.Equal(lines, seen);
        Assert.All(sizes, size => Assert.InRange(size, 1, 500));
    }

    [Fact]
    public async Task An_urgent_line_is_handed_on_while_the_writer_is_still_open()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var seen = new List<string>();
        var marker = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = LineBatches.ReadAsync(new StreamReader(client), 500, line => line.StartsWith("B ", StringComparison.Ordinal), (batch, _) =>
        {
            seen.AddRange(batch);
            if (batch.Contains("B 12345")) marker.TrySetResult([.. seen]);
            return Task.CompletedTask;
        });

        var text = Encoding.UTF8.GetBytes("first\nB 12345\n");
        await server.WriteAsync(text, TestContext.Current.CancellationToken);
        await server.FlushAsync(TestContext.Current.CancellationToken);

        // The writer stays open: the batch comes because the line is urgent (or the interval passed), never because the input ended.
        var handed = await marker.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(["first", "B 12345"], handed);
        Assert.False(reading.IsCompleted);
        server.Dispose();
        await reading;
    }

    [Fact]
    public async Task A_failed_read_hands_on_what_came_before_it_and_is_said()
    {
        var seen = new List<string>();
        var error = await Assert.ThrowsAsync<IOException>(() => LineBatches.ReadAsync(new FailingReader(["one", "two"]), 500, _ => false, (batch, _) =>
        {
            seen.AddRange(batch);
            return Task.CompletedTask;
        }));

        Assert.Equal(["one", "two"], seen);
        Assert.Equal("the pipe broke", error.Message);
    }

    private sealed class FailingReader(IEnumerable<string> lines) : TextReader
    {
        private readonly Queue<string> _lines = new(lines);

        public override string? ReadLine() => _lines.TryDequeue(out var line) ? line : throw new IOException("the pipe broke");
    }
}
