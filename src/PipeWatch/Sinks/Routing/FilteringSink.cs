namespace PipeWatch.Sinks.Routing;

/// <summary>Passes on only the alerts a route's filter takes.</summary>
internal sealed class FilteringSink(IFindingSink inner, RouteFilter filter) : IFindingSink
{
    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        var taken = batch.Where(filter.Matches).ToList();
        return taken.Count == 0 ? ValueTask.FromResult(SinkResult.Ok) : inner.EmitAsync(taken, cancellationToken);
    }

    public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);
}
