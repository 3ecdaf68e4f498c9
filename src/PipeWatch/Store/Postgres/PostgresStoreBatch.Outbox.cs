using Npgsql;
using NpgsqlTypes;

namespace PipeWatch.Store.Postgres;

/// <summary>The alert outbox's writes in a batch (migrations 2 and 8): one row per route and alert, in the findings' transaction, held by the process that delivers it.</summary>
internal sealed partial class PostgresStoreBatch : IAlertOutboxBatch
{
    public void QueueAlerts(string route, DateTimeOffset at, IReadOnlyList<OutboxEntry> alerts, OutboxClaim claim)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0) return;
        // As SQLite's INSERT OR REPLACE: an alert queued again (a gate re-run) takes a new number, so a resume that started
        // earlier never sends it twice; within the block the last entry of a fingerprint wins.
        var last = new Dictionary<string, OutboxEntry>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            last.Remove(alert.Fingerprint);
            last[alert.Fingerprint] = alert;
        }

        var entries = last.Values.ToArray();
        using var batch = new NpgsqlBatch(_connection, _transaction);
        var delete = new NpgsqlBatchCommand("DELETE FROM alert_outbox WHERE route = @route AND fingerprint = ANY(@f)");
        delete.Parameters.AddWithValue("route", route);
        delete.Parameters.Add(new NpgsqlParameter<string[]>("f", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. entries.Select(e => e.Fingerprint)] });
        batch.BatchCommands.Add(delete);
        var insert = new NpgsqlBatchCommand(
            """
            INSERT INTO alert_outbox (route, fingerprint, incident, incident_is_new, queued_at, claimed_by, claimed_until)
            SELECT @route, u.f, u.i, u.n, @at, @owner, @until FROM unnest(@f, @i, @n) WITH ORDINALITY AS u(f, i, n, k) ORDER BY u.k
            """);
        insert.Parameters.AddWithValue("route", route);
        insert.Parameters.AddWithValue("at", Sqlite.SqliteStore.Iso(at));
        insert.Parameters.AddWithValue("owner", claim.Owner);
        insert.Parameters.AddWithValue("until", Sqlite.SqliteStore.Iso(claim.Until));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("f", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. entries.Select(e => e.Fingerprint)] });
        insert.Parameters.Add(new NpgsqlParameter<string?[]>("i", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. entries.Select(e => e.IncidentId)] });
        insert.Parameters.Add(new NpgsqlParameter<long[]>("n", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. entries.Select(e => e.IncidentIsNew ? 1L : 0L)] });
        batch.BatchCommands.Add(insert);
        batch.ExecuteNonQuery();
    }
}
