using PipeWatch.Findings;

namespace PipeWatch.Sinks;

/// <summary>Keeps emitted findings in memory, for formats that render once at the end (a table) and for tests.</summary>
public sealed class CollectingSink : IFindingSink
{
    private readonly List<Finding> _findings = [];
    private readonly List<Alert> _alerts = [];

    public IReadOnlyList<Finding> Findings => _findings;

    /// <summary>The alerts as received: each finding with its incident.</summary>
    public IReadOnlyList<Alert> Alerts => _alerts;

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var alert in batch)
        {
            _findings.Add(alert.Finding);
            _alerts.Add(alert);
        }

        return ValueTask.FromResult(SinkResult.Ok);
    }

    public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SinkResult.Ok);
}
