using PipeWatch.Diagnostics;
using PipeWatch.Store;

namespace PipeWatch.Sinks.Routing;

/// <summary>A route's outbox: its alerts staged with their findings, drops kept as dead letters, and the resend at a start.</summary>
public sealed partial class RouteSink
{
    void IDurableSink.Stage(IReadOnlyList<Alert> alerts, IStoreBatch batch)
    {
        if (Outbox is null || batch is not IAlertOutboxBatch outbox) return;
        List<OutboxEntry>? taken = null;
        foreach (var alert in alerts)
        {
            if (Route.Filter.Matches(alert)) (taken ??= []).Add(new OutboxEntry(alert.Finding.Fingerprint, alert.Incident?.Id, alert.Incident?.IsNew ?? false));
        }

        if (taken is not null) outbox.QueueAlerts(Name, _context.Time.GetUtcNow(), taken);
    }

    void IDurableSink.Dropped(IReadOnlyList<Alert> alerts, string reason)
    {
        var taken = alerts.Where(Route.Filter.Matches).Select(a => new DeliveredAlert(a.Finding, a.Incident?.Id, a.Incident?.IsNew ?? false)).ToList();
        if (taken.Count == 0 || _context.Log is not { } log) return;
        try
        {
            log.DeadLettered(Name, taken, 0, reason);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            _context.Problems.Report(new Problem(Name, $"cannot keep {taken.Count:N0} dropped alerts as dead letters ({ex.Message})"));
        }
    }

    /// <summary>Starts sending, in the background, this route's outbox entries numbered up to <paramref name="upTo"/> (those of earlier runs).</summary>
    internal void Resume(long upTo)
    {
        if (Outbox is not { } outbox || _resume is not null) return;
        _resume = Task.Run(() => ResumeAsync(outbox, upTo), CancellationToken.None);
    }

    private async Task ResumeAsync(IAlertOutbox outbox, long upTo)
    {
        try
        {
            var after = 0L;
            while (true)
            {
                var page = outbox.Queued(Name, after, upTo, ResumePage);
                if (page.Count == 0) return;
                after = page[^1].Seq;
                // Past the filter (they passed it once), through the rate policy; never more than the batching queue can hold.
                while (Batching.Queued > Math.Max(0, _options.QueueLimit - ResumePage)) await Task.Delay(TimeSpan.FromMilliseconds(50), _context.Time).ConfigureAwait(false);
                var alerts = page.Select(q => new Alert(q.Alert.Finding, q.Alert.IncidentId is { } id ? new AlertIncident(id, q.Alert.IncidentIsNew) : null)).ToList();
                await _afterFilter.EmitAsync(alerts, CancellationToken.None).ConfigureAwait(false);
                Resumed += alerts.Count;
            }
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException or System.Text.Json.JsonException)
        {
            // What was not read stays in the outbox for the next start.
            _context.Problems.Report(new Problem(Name, $"cannot read the alert outbox ({ex.Message}); the rest is sent at the next start"));
        }
    }

    private static void Settle(IAlertOutbox outbox, string route, IReadOnlyList<Alert> alerts, RouteContext context)
    {
        try
        {
            outbox.Settle(route, [.. alerts.Select(a => a.Finding.Fingerprint)]);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            context.Problems.Report(new Problem(route, $"cannot settle throttled alerts in the outbox ({ex.Message})"));
        }
    }
}
