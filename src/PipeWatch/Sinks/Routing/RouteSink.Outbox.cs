using System.Data.Common;
using PipeWatch.Diagnostics;
using PipeWatch.Store;

namespace PipeWatch.Sinks.Routing;

/// <summary>A route's outbox: its alerts staged (and claimed) with their findings, drops kept as dead letters, and the claim loop that sends what no live process holds.</summary>
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

        if (taken is null) return;
        // This process holds them while it delivers them: another sharing the store takes them only if this one stops renewing.
        var now = _context.Time.GetUtcNow();
        outbox.QueueAlerts(Name, now, taken, new OutboxClaim(Outbox.Owner, now + Outbox.Lease));
        if (_claiming)
        {
            lock (_claimGate) StartClaimLoop();
        }
    }

    void IDurableSink.Dropped(IReadOnlyList<Alert> alerts, string reason)
    {
        var taken = alerts.Where(Route.Filter.Matches).Select(a => new DeliveredAlert(a.Finding, a.Incident?.Id, a.Incident?.IsNew ?? false)).ToList();
        if (taken.Count == 0 || _context.Log is not { } log) return;
        try
        {
            log.DeadLettered(Name, taken, 0, reason);
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException)
        {
            _context.Problems.Report(new Problem(Name, $"cannot keep {taken.Count:N0} dropped alerts as dead letters ({ex.Message})"));
        }
    }

    /// <summary>
    /// Starts the route's outbox loop in the background: it claims and sends what no live process holds (what a stopped or dead
    /// process left), now and again every third of the lease, and renews this process's own claims meanwhile, until the route completes.
    /// </summary>
    internal void Resume()
    {
        if (Outbox is null) return;
        lock (_claimGate)
        {
            _claiming = true;
            StartClaimLoop();
        }
    }

    // Under _claimGate. Started by Resume, and again by the next staging after a completion (a worker's engine restarted).
    private void StartClaimLoop()
    {
        if (Outbox is not { } outbox || _resume is not null) return;
        var stop = _stopClaiming = new CancellationTokenSource();
        _resume = Task.Run(() => ClaimLoopAsync(outbox, stop.Token), CancellationToken.None);
    }

    // Ends the claim loop's round and stops it; what it claimed is handed on to the route first.
    private async Task StopClaimLoopAsync(CancellationToken cancellationToken)
    {
        Task? loop;
        CancellationTokenSource? stop;
        lock (_claimGate)
        {
            (loop, stop) = (_resume, _stopClaiming);
            (_resume, _stopClaiming) = (null, null);
        }

        if (stop is null) return;
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            if (loop is not null) await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stop.Dispose();
        }
    }

    private async Task ClaimLoopAsync(IAlertOutbox outbox, CancellationToken stop)
    {
        var failing = false;
        while (true)
        {
            try
            {
                outbox.Renew(Name);
                while (true)
                {
                    var page = outbox.Claim(Name, ResumePage);
                    if (page.Count == 0) break;
                    // Past the filter (they passed it once), through the rate policy; never more than the batching queue can hold.
                    while (Batching.Queued > Math.Max(0, _options.QueueLimit - ResumePage)) await Task.Delay(TimeSpan.FromMilliseconds(50), _context.Time).ConfigureAwait(false);
                    var alerts = page.Select(q => new Alert(q.Alert.Finding, q.Alert.IncidentId is { } id ? new AlertIncident(id, q.Alert.IncidentIsNew) : null)).ToList();
                    await _afterFilter.EmitAsync(alerts, CancellationToken.None).ConfigureAwait(false);
                    Resumed += alerts.Count;
                }

                failing = false;
            }
            catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException or System.Text.Json.JsonException)
            {
                // What was not claimed stays in the outbox for the next round (here or in another process); said once per outage.
                if (!failing) _context.Problems.Report(new Problem(Name, $"cannot read the alert outbox ({ex.Message}); trying again"));
                failing = true;
            }

            try
            {
                await Task.Delay(outbox.Lease / 3, _context.Time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void Settle(IAlertOutbox outbox, string route, IReadOnlyList<Alert> alerts, RouteContext context)
    {
        try
        {
            outbox.Settle(route, [.. alerts.Select(a => a.Finding.Fingerprint)]);
        }
        catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException)
        {
            context.Problems.Report(new Problem(route, $"cannot settle throttled alerts in the outbox ({ex.Message})"));
        }
    }
}
