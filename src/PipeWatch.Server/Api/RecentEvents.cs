using PipeWatch.Events;

namespace PipeWatch.Server.Api;

/// <summary>An event as <c>/api/events</c> shows it.</summary>
internal sealed record EventSummary(
    string Id, string Kind, string Dataset, string? Action, string Outcome, DateTimeOffset Timestamp, string Repository, string? Pipeline, string? RunId,
    string? Job, string? User, double? DurationSeconds, string Origin);

/// <summary>The most recent events of each repository, in memory (the store keeps only the ledger's hashes): bounded per key and in keys.</summary>
/// <remarks>Thread-safe. Lost on restart; the dashboard's "what just happened" view, not a record.</remarks>
internal sealed class RecentEvents(int perKey = 200, int keys = 10_000)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedList<EventSummary>> _byKey = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<string> _keyOrder = new();

    public void Add(IReadOnlyList<Event> events)
    {
        lock (_lock)
        {
            foreach (var e in events)
            {
                var key = e.Ci.Repository;
                if (string.IsNullOrEmpty(key)) continue;
                if (!_byKey.TryGetValue(key, out var list))
                {
                    if (_byKey.Count >= keys && _keyOrder.First is { } oldest)
                    {
                        _byKey.Remove(oldest.Value);
                        _keyOrder.RemoveFirst();
                    }

                    _byKey[key] = list = new LinkedList<EventSummary>();
                    _keyOrder.AddLast(key);
                }

                list.AddLast(new EventSummary(
                    e.Id, e.Kind.ToString(), e.Dataset, e.Action, e.Outcome.ToString(), e.Timestamp, key, NullIfEmpty(e.Ci.Pipeline), NullIfEmpty(e.Ci.RunId),
                    e.Ci.Job, e.UserName, e.Duration?.TotalSeconds, e.Origin.File));
                if (list.Count > perKey) list.RemoveFirst();
            }
        }
    }

    /// <summary>The recent events of a repository, newest first.</summary>
    public List<EventSummary> Of(string repository)
    {
        lock (_lock)
        {
            return _byKey.TryGetValue(repository, out var list) ? [.. list.Reverse()] : [];
        }
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
