using System.Globalization;
using PipeWatch.Findings;

namespace PipeWatch.Sinks.Routing;

/// <summary>A route's throttle: at most <c>max</c> alerts per window pass; the rest are counted and, when the window ends, sent as one summary alert.</summary>
/// <remarks>
/// Windows are fixed and start at the first alert after the previous one ended. The summary is sent when the window's time is up
/// (a timer on the injected clock), when a later alert opens the next window, or at the end of the run, whichever comes first.
/// Calls come from the route's isolation task; the timer runs beside it, so state is under one lock.
/// </remarks>
internal sealed class ThrottlingSink : IFindingSink, IDisposable
{
    private readonly IFindingSink _inner;
    private readonly string _route;
    private readonly int _max;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly Action<IReadOnlyList<Alert>>? _onHeld;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _heldByRule = new(StringComparer.Ordinal);
    private ITimer? _timer;
    private DateTimeOffset? _windowStart;
    private int _passed;
    private int _held;
    private Severity _heldSeverity;
    private string? _heldCategory;

    /// <param name="held">Told the alerts held back (counted in a summary), e.g. to take them out of the outbox.</param>
    public ThrottlingSink(IFindingSink inner, string route, int max, TimeSpan window, TimeProvider time, Action<IReadOnlyList<Alert>>? held = null)
    {
        _onHeld = held;
        _inner = inner;
        _route = route;
        _max = max;
        _window = window;
        _time = time;
    }

    /// <summary>The rule id of the summary alert.</summary>
    public const string SummaryRule = "pipewatch.route-throttled";

    public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        var passed = new List<Alert>(Math.Min(batch.Count, _max));
        List<Alert>? heldBack = null;
        Alert? summary;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            summary = _windowStart is { } start && now >= start + _window ? CloseWindow() : null;
            if (_windowStart is null)
            {
                _windowStart = now;
                _timer?.Dispose();
                _timer = _time.CreateTimer(_ => OnWindowEnd(), null, _window, Timeout.InfiniteTimeSpan);
            }

            foreach (var alert in batch)
            {
                if (_passed < _max)
                {
                    _passed++;
                    passed.Add(alert);
                    continue;
                }

                _held++;
                (heldBack ??= []).Add(alert);
                _heldCategory ??= alert.Finding.Category;
                if (alert.Finding.Severity > _heldSeverity) _heldSeverity = alert.Finding.Severity;
                _heldByRule[alert.Finding.Rule] = _heldByRule.GetValueOrDefault(alert.Finding.Rule) + 1;
            }
        }

        if (heldBack is not null) _onHeld?.Invoke(heldBack);
        if (summary is not null) passed.Insert(0, summary);
        return passed.Count == 0 ? SinkResult.Ok : await _inner.EmitAsync(passed, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        Alert? summary;
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            summary = CloseWindow();
        }

        if (summary is not null) await _inner.EmitAsync([summary], cancellationToken).ConfigureAwait(false);
        return await _inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _timer?.Dispose();

    private void OnWindowEnd()
    {
        Alert? summary;
        lock (_gate)
        {
            summary = CloseWindow();
        }

        // The inner sink only queues (a batching sink), so this does not block the timer.
        if (summary is not null) _ = _inner.EmitAsync([summary], CancellationToken.None).AsTask();
    }

    // Ends the current window: the summary of what it held back (null when nothing was), and a fresh count.
    private Alert? CloseWindow()
    {
        if (_windowStart is not { } start) return null;
        Alert? summary = null;
        if (_held > 0)
        {
            var end = start + _window;
            var rules = string.Join(", ", _heldByRule.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Take(10)
                .Select(r => $"{r.Value.ToString("N0", CultureInfo.InvariantCulture)} × {r.Key}"));
            var at = start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            var finding = new Finding
            {
                Rule = SummaryRule,
                Category = _heldCategory!,
                Severity = _heldSeverity,
                Title = $"{_held:N0} more alert{(_held == 1 ? "" : "s")} held back on route '{_route}' (throttle: {_max} per {Describe(_window)})",
                Explanation = $"Route '{_route}' sent {_max} alerts in the window from {at} and held back {_held:N0} more: {rules}. Every one is in the store ('pipewatch findings').",
                Entity = new Entity(),
                Location = new Location(),
                Timestamp = end,
                DetectedAt = _time.GetUtcNow(),
                Fingerprint = Fingerprint.Of(SummaryRule, _route, at),
            };
            summary = new Alert(finding);
        }

        _windowStart = null;
        _passed = 0;
        _held = 0;
        _heldSeverity = Severity.Info;
        _heldCategory = null;
        _heldByRule.Clear();
        return summary;
    }

    internal static string Describe(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours:0}h"
        : window.TotalMinutes >= 1 && window.TotalMinutes % 1 == 0 ? $"{window.TotalMinutes:0}m"
        : $"{window.TotalSeconds:0.#}s";
}
