using Npgsql;
using NpgsqlTypes;

namespace PipeWatch.Store.Postgres;

/// <summary>The alert outbox's writes in a batch (migration 2): one row per route and alert, in the findings' transaction.</summary>
internal sealed partial class PostgresStoreBatch : IAlertOutboxBatch
{
    public void QueueAlerts(string route, DateTimeOffset at, IReadOnlyList<OutboxEntry> alerts)
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
            INSERT INTO alert_outbox (route, fingerprint, incident, incident_is_new, queued_at)
            SELECT @route, u.f, u.i, u.n, @at FROM unnest(@f, @i, @n) WITH ORDINALITY AS u(f, i, n, k) ORDER BY u.k
            """);
        insert.Parameters.AddWithValue("route", route);
        insert.Parameters.AddWithValue("at", Sqlite.SqliteStore.Iso(at));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("f", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. entries.Select(e => e.Fingerprint)] });
        insert.Parameters.Add(new NpgsqlParameter<string?[]>("i", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. entries.Select(e => e.IncidentId)] });
        insert.Parameters.Add(new NpgsqlParameter<long[]>("n", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. entries.Select(e => e.IncidentIsNew ? 1L : 0L)] });
        batch.BatchCommands.Add(insert);
        batch.ExecuteNonQuery();
    }
}
