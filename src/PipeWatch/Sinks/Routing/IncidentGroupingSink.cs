namespace PipeWatch.Sinks.Routing;

/// <summary>
/// Grouping by incident: the first alert of an incident goes out at once; later findings of an incident this route already
/// alerted on are held and sent together, once per window, as one update (the chat sinks render a batch of one incident's
/// findings as "N more findings joined incident …").
/// </summary>
/// <remarks>Calls come from the route's isolation task, the window's timer beside it: state is under one lock. The set of incidents seen is bounded.</remarks>
internal sealed class IncidentGroupingSink : IFindingSink, IDisposable
{
    private const int MaxIncidentsRemembered = 10_000;
    private readonly IFindingSink _inner;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _alerted = new(StringComparer.Ordinal);
    private readonly Queue<string> _alertedOrder = new();
    private readonly Dictionary<string, List<Alert>> _held = new(StringComparer.Ordinal);
    private ITimer? _timer;

    public IncidentGroupingSink(IFindingSink inner, TimeSpan window, TimeProvider time)
    {
        _inner = inner;
        _window = window;
        _time = time;
    }

    public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        var now = new List<Alert>();
        lock (_gate)
        {
            foreach (var alert in batch)
            {
                if (alert.Incident is not { } incident || !_alerted.Contains(incident.Id))
                {
                    if (alert.Incident is { } first) Remember(first.Id);
                    now.Add(alert);
                    continue;
                }

                if (!_held.TryGetValue(incident.Id, out var list)) _held[incident.Id] = list = [];
                list.Add(alert);
                _timer ??= _time.CreateTimer(_ => OnWindowEnd(), null, _window, Timeout.InfiniteTimeSpan);
            }
        }

        return now.Count == 0 ? SinkResult.Ok : await _inner.EmitAsync(now, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var group in TakeHeld()) await _inner.EmitAsync(group, cancellationToken).ConfigureAwait(false);
        return await _inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _timer?.Dispose();

    private void OnWindowEnd()
    {
        foreach (var group in TakeHeld()) _ = _inner.EmitAsync(group, CancellationToken.None).AsTask();
    }

    private List<List<Alert>> TakeHeld()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            var groups = _held.Values.ToList();
            _held.Clear();
            return groups;
        }
    }

    private void Remember(string incident)
    {
        if (!_alerted.Add(incident)) return;
        _alertedOrder.Enqueue(incident);
        if (_alertedOrder.Count > MaxIncidentsRemembered) _alerted.Remove(_alertedOrder.Dequeue());
    }
}
