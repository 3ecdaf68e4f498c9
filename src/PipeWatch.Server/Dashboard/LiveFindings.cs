using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using PipeWatch.Findings;
using PipeWatch.Sinks;

namespace PipeWatch.Server.Dashboard;

/// <summary>The dashboard's live feed: a sink of the engine (so it sees committed findings only) that hands each batch to every open event stream.</summary>
/// <remarks>
/// Thread-safe. A subscriber that does not keep up loses its oldest messages, never blocks the engine; a message says which findings
/// arrived, and the page then reads the list again with its own filters. Subscribers are bounded (<see cref="MaxSubscribers"/>).
/// </remarks>
internal sealed class LiveFindings : IFindingSink
{
    public const int MaxSubscribers = 256;
    private const int MaxListed = 50;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<long, Channel<string>> _subscribers = new();
    private long _next;

    public int Subscribers => _subscribers.Count;

    /// <summary>A new subscription, or null past <see cref="MaxSubscribers"/>.</summary>
    public (long Id, ChannelReader<string> Reader)? Subscribe()
    {
        if (_subscribers.Count >= MaxSubscribers) return null;
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var id = Interlocked.Increment(ref _next);
        _subscribers[id] = channel;
        return (id, channel.Reader);
    }

    public void Unsubscribe(long id)
    {
        if (_subscribers.TryRemove(id, out var channel)) channel.Writer.TryComplete();
    }

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0 || _subscribers.IsEmpty) return ValueTask.FromResult(SinkResult.Ok);
        var message = JsonSerializer.Serialize(
            new
            {
                count = batch.Count,
                findings = batch.Take(MaxListed).Select(a => new
                {
                    fingerprint = a.Finding.Fingerprint,
                    severity = a.Finding.Severity.ToWire(),
                    category = a.Finding.Category,
                    title = a.Finding.Title,
                    repository = a.Finding.Entity.Repository,
                    incident = a.Incident?.Id,
                }),
            },
            Json);
        foreach (var channel in _subscribers.Values) channel.Writer.TryWrite(message);
        return ValueTask.FromResult(SinkResult.Ok);
    }

    public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _subscribers.Keys) Unsubscribe(id);
        return ValueTask.FromResult(SinkResult.Ok);
    }
}
