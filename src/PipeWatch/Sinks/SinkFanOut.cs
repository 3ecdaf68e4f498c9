using PipeWatch.Diagnostics;

namespace PipeWatch.Sinks;

/// <summary>Every sink of a pipeline, each isolated behind its own queue: hands each committed batch to all of them, and ends them together.</summary>
/// <remarks>Called by the engine from one thread. Built by the pipeline builder, the one place that decides each sink's queue.</remarks>
internal sealed class SinkFanOut
{
    private readonly IsolatedSink[] _sinks;

    public SinkFanOut(IEnumerable<(IFindingSink Sink, SinkQueueOptions Queue)> sinks, TimeProvider time, IProblemReporter problems)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _sinks = [.. sinks.Select(s => new IsolatedSink(s.Sink, s.Queue, time, problems))];
    }

    public IReadOnlyList<IsolatedSink> Sinks => _sinks;

    public async ValueTask DeliverAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks)
        {
            await sink.EnqueueAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends every sink at once, each within its own completion timeout.</summary>
    public Task CompleteAsync() => Task.WhenAll(_sinks.Select(s => s.CompleteAsync()));
}
