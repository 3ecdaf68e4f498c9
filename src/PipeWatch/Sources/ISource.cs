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
}

/// <summary>What a source gets from the engine: where to report bad records and read progress.</summary>
/// <param name="Problems">Bad records go here (file, line, reason).</param>
/// <param name="BytesRead">Receives the count of bytes consumed since the last call, for progress displays; may be null.</param>
public sealed record SourceContext(IProblemReporter Problems, Action<long>? BytesRead = null);
