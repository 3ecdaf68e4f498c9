using PipeWatch.Findings;

namespace PipeWatch.Sinks;

/// <summary>Keeps emitted findings in memory, for formats that render once at the end (a table) and for tests.</summary>
public sealed class CollectingSink : IFindingSink
{
    private readonly List<Finding> _findings = [];

    public IReadOnlyList<Finding> Findings => _findings;

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Finding> batch, CancellationToken cancellationToken)
    {
        _findings.AddRange(batch);
        return ValueTask.FromResult(SinkResult.Ok);
    }

    public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SinkResult.Ok);
}
