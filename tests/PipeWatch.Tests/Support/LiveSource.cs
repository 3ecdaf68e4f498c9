using System.Runtime.CompilerServices;
using System.Threading.Channels;
using PipeWatch.Events;
using PipeWatch.Sources;

namespace PipeWatch.Tests.Support;

/// <summary>A source that runs without end, as a server's intake does: events arrive when the test writes them, and it ends only when completed.</summary>
internal sealed class LiveSource : ISource
{
    private readonly Channel<Event> _events = Channel.CreateUnbounded<Event>();

    public void Write(Event e) => _events.Writer.TryWrite(e);

    public void Complete() => _events.Writer.TryComplete();

    public async IAsyncEnumerable<Event> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    // One event a block: a live intake hands over what it has, it does not wait for a block to fill.
    public IAsyncEnumerable<Event[]> ReadBlocksAsync(SourceContext context, CancellationToken cancellationToken) =>
        SourceBlocks.Gather(ReadAsync(context, cancellationToken), 1, cancellationToken);
}
