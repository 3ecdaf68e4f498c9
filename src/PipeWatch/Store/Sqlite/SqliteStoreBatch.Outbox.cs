namespace PipeWatch.Store.Sqlite;

/// <summary>The alert outbox's writes in a batch (migrations 13 and 17): one row per route and alert, in the findings' transaction, held by the process that delivers it.</summary>
internal sealed partial class SqliteStoreBatch : IAlertOutboxBatch
{
    private Microsoft.Data.Sqlite.SqliteCommand? _queueAlert;

    public void QueueAlerts(string route, DateTimeOffset at, IReadOnlyList<OutboxEntry> alerts, OutboxClaim claim)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        // REPLACE: an alert queued again (a gate re-run) takes a new number, so a resume that started earlier never sends it twice.
        _queueAlert ??= Prepare(
            _transaction.Connection!,
            """
            INSERT OR REPLACE INTO alert_outbox (route, fingerprint, incident, incident_is_new, queued_at, claimed_by, claimed_until)
            VALUES ($route, $fingerprint, $incident, $is_new, $at, $owner, $until)
            """,
            "$route", "$fingerprint", "$incident", "$is_new", "$at", "$owner", "$until");
        var p = _queueAlert.Parameters;
        p[0].Value = route;
        p[4].Value = SqliteStore.Iso(at);
        p[5].Value = claim.Owner;
        p[6].Value = SqliteStore.Iso(claim.Until);
        foreach (var alert in alerts)
        {
            p[1].Value = alert.Fingerprint;
            p[2].Value = (object?)alert.IncidentId ?? DBNull.Value;
            p[3].Value = alert.IncidentIsNew ? 1L : 0L;
            _queueAlert.ExecuteNonQuery();
        }
    }
}
