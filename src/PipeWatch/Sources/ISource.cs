using System.Runtime.CompilerServices;
using PipeWatch.Diagnostics;
using PipeWatch.Events;

namespace PipeWatch.Sources;

/// <summary>Reads one input (a file, a folder entry, a stream) of a real format and yields normalized events.</summary>
/// <remarks>
/// A bad record is reported to <see cref="SourceContext.Problems"/> and skipped; the stream goes on.
/// An exception escaping <see cref="ReadAsync"/> is a bug; the engine catches it at the source boundary and reports it.
/// </remarks>
public interface ISource
{
    IAsyncEnumerable<Event> ReadAsync(SourceContext context, CancellationToken cancellationToken);

    /// <summary>The same events in blocks, as the engine takes them: a source that reads its input in chunks hands over each chunk's events at once.</summary>
    /// <remarks>The default gathers <see cref="ReadAsync"/> into blocks of <see cref="SourceBlocks.DefaultSize"/>.</remarks>
    IAsyncEnumerable<Event[]> ReadBlocksAsync(SourceContext context, CancellationToken cancellationToken) =>
        SourceBlocks.Gather(ReadAsync(context, cancellationToken), SourceBlocks.DefaultSize, cancellationToken);
}

/// <summary>Events in blocks: one hand-off between the reading and the detection stage costs more than an event, so they cross by the block.</summary>
internal static class SourceBlocks
{
    public const int DefaultSize = 256;

    /// <summary>
    /// Characters of log text at most in one block (4 Mi characters, 8 MiB): job-log events are sections of up to 1 Mi characters,
    /// and 256 of them in one block (half a gigabyte, with more blocks queued) made a 215 MB log fail under a 256 MiB heap.
    /// </summary>
    public const int MaxBlockChars = 4 << 20;

    /// <summary>The events in blocks of <paramref name="size"/> (fewer when their log text reaches <see cref="MaxBlockChars"/>), the last one shorter; never an empty block.</summary>
    public static async IAsyncEnumerable<Event[]> Gather(IAsyncEnumerable<Event> events, int size, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var block = new List<Event>(size);
        var chars = 0L;
        await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            block.Add(e);
            chars += e.Log?.Text.Length ?? 0;
            if (block.Count < size && chars < MaxBlockChars) continue;
            yield return [.. block];
            block.Clear();
            chars = 0;
        }

        if (block.Count > 0) yield return [.. block];
    }

    /// <summary>The events of the blocks one by one.</summary>
    public static async IAsyncEnumerable<Event> Flatten(IAsyncEnumerable<Event[]> blocks, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var block in blocks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var e in block)
            {
                yield return e;
            }
        }
    }
}

/// <summary>What a source gets from the engine: where to report bad records and read progress.</summary>
/// <param name="Problems">Bad records go here (file, line, reason).</param>
/// <param name="BytesRead">Receives the count of bytes consumed since the last call, for progress displays; may be null.</param>
public sealed record SourceContext(IProblemReporter Problems, Action<long>? BytesRead = null);
