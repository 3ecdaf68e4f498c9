using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PipeWatch.Findings;

namespace PipeWatch.Store;

/// <summary>
/// The delivery log (<c>alert_deliveries</c>) and the read and settle side of the alert outbox (<c>alert_outbox</c>), in either
/// store's tables (<see cref="ISharedTables"/>, one SQL text): an outcome recorded here takes its alert out of the outbox in the
/// same transaction. Each call opens a connection of its own, so routes write beside the engine's batch.
/// </summary>
/// <remarks>Calls are serialized (one at a time per log), as <see cref="IDeliveryLog"/> asks.</remarks>
internal sealed class SharedDeliveryLog : IDeliveryLog, IAlertOutbox, IDisposable
{
    private const int MaxErrorLength = 2_000;
    private readonly ISharedTables _tables;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public SharedDeliveryLog(ISharedTables tables, TimeProvider time)
    {
        _tables = tables;
        _time = time;
    }

    /// <summary>Fails now, naming the store, when the delivery table is missing (an older store not opened by this version).</summary>
    /// <exception cref="StoreException">The store cannot be opened or has no delivery table.</exception>
    public void Check()
    {
        try
        {
            using var connection = _tables.OpenConnection();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM alert_deliveries WHERE 1 = 0";
            command.ExecuteScalar();
        }
        catch (DbException ex)
        {
            throw new StoreException($"{_tables.Display}: cannot open the alert delivery log ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    public void Delivered(string route, IReadOnlyList<DeliveredAlert> alerts, int attempts) =>
        Write(route, alerts, "delivered", attempts, null, keepBody: false);

    public void DeadLettered(string route, IReadOnlyList<DeliveredAlert> alerts, int attempts, string error) =>
        Write(route, alerts, "dead-letter", attempts, error.Length > MaxErrorLength ? error[..MaxErrorLength] : error, keepBody: true);

    public IReadOnlyList<DeadLetter> DeadLetters(string? route = null, int limit = 10_000)
    {
        lock (_gate)
        {
            using var connection = _tables.OpenConnection(readOnly: true);
            using var command = connection.CreateCommand();
            command.CommandText =
                $"SELECT route, attempts, error, updated_at, alert FROM alert_deliveries WHERE status = 'dead-letter'{(route is null ? "" : " AND route = @route")} "
                + "ORDER BY updated_at, route, fingerprint LIMIT @limit";
            if (route is not null) command.AddParameter("@route", route);
            command.AddParameter("@limit", limit);
            using var reader = command.ExecuteReader();
            var letters = new List<DeadLetter>();
            while (reader.Read())
            {
                using var json = JsonDocument.Parse(reader.GetString(4));
                var root = json.RootElement;
                var incident = root.TryGetProperty("incident", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                var alert = new DeliveredAlert(FindingJson.Read(root.GetProperty("finding")), incident, root.TryGetProperty("incident_is_new", out var isNew) && isNew.GetBoolean());
                letters.Add(new DeadLetter(
                    reader.GetString(0), alert, Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture), reader.GetString(2),
                    DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
            }

            return letters;
        }
    }

    public long LastQueued()
    {
        lock (_gate)
        {
            using var connection = _tables.OpenConnection(readOnly: true);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT coalesce(max(seq), 0) FROM alert_outbox";
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    public IReadOnlyList<QueuedAlert> Queued(string route, long after, long upTo, int limit)
    {
        var queued = new List<QueuedAlert>();
        var gone = new List<string>();
        lock (_gate)
        {
            using var connection = _tables.OpenConnection(readOnly: true);
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT o.seq, o.fingerprint, o.incident, o.incident_is_new, f.body
                FROM alert_outbox o LEFT JOIN findings f ON f.fingerprint = o.fingerprint
                WHERE o.seq > @after AND o.seq <= @up_to AND o.route = @route
                ORDER BY o.seq LIMIT @limit
                """;
            command.AddParameter("@route", route);
            command.AddParameter("@after", after);
            command.AddParameter("@up_to", upTo);
            command.AddParameter("@limit", limit);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.IsDBNull(4))
                {
                    // Its finding is no longer in the store: nothing to send.
                    gone.Add(reader.GetString(1));
                    continue;
                }

                using var json = JsonDocument.Parse(reader.GetString(4));
                var alert = new DeliveredAlert(FindingJson.Read(json.RootElement), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3) != 0);
                queued.Add(new QueuedAlert(reader.GetInt64(0), alert));
            }
        }

        if (gone.Count > 0) Settle(route, gone);
        return queued;
    }

    public void Settle(string route, IReadOnlyList<string> fingerprints)
    {
        lock (_gate)
        {
            using var connection = _tables.OpenConnection();
            using var transaction = connection.BeginTransaction();
            using var settle = SettleCommand(transaction, route);
            foreach (var fingerprint in fingerprints)
            {
                settle.Parameters[1].Value = fingerprint;
                settle.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public IReadOnlyDictionary<string, long> QueuedCounts()
    {
        lock (_gate)
        {
            using var connection = _tables.OpenConnection(readOnly: true);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT route, count(*) FROM alert_outbox GROUP BY route ORDER BY route";
            using var reader = command.ExecuteReader();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (reader.Read()) counts[reader.GetString(0)] = reader.GetInt64(1);
            return counts;
        }
    }

    public void Dispose()
    {
        // Nothing held: every call opens and closes its own connection.
    }

    private void Write(string route, IReadOnlyList<DeliveredAlert> alerts, string status, int attempts, string? error, bool keepBody)
    {
        var now = _time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            using var connection = _tables.OpenConnection();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO alert_deliveries (route, fingerprint, status, attempts, error, updated_at, alert)
                VALUES (@route, @fingerprint, @status, @attempts, @error, @at, @alert)
                ON CONFLICT (route, fingerprint) DO UPDATE SET
                    status = excluded.status, attempts = alert_deliveries.attempts + excluded.attempts,
                    error = excluded.error, updated_at = excluded.updated_at, alert = excluded.alert
                """;
            var fingerprint = command.AddParameter("@fingerprint", string.Empty);
            var body = command.AddParameter("@alert", string.Empty);
            command.AddParameter("@route", route);
            command.AddParameter("@status", status);
            command.AddParameter("@attempts", attempts);
            var errorParameter = command.AddParameter("@error", string.Empty);
            errorParameter.Value = (object?)error ?? DBNull.Value;
            command.AddParameter("@at", now);
            using var settle = SettleCommand(transaction, route);
            foreach (var alert in alerts)
            {
                fingerprint.Value = alert.Finding.Fingerprint;
                body.Value = keepBody ? Body(alert) : DBNull.Value;
                command.ExecuteNonQuery();
                settle.Parameters[1].Value = alert.Finding.Fingerprint;
                settle.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private static DbCommand SettleCommand(DbTransaction transaction, string route)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM alert_outbox WHERE route = @route AND fingerprint = @fingerprint";
        command.AddParameter("@route", route);
        command.AddParameter("@fingerprint", string.Empty);
        return command;
    }

    private static string Body(DeliveredAlert alert)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("finding");
            FindingJson.Write(writer, alert.Finding);
            if (alert.IncidentId is not null) writer.WriteString("incident", alert.IncidentId);
            writer.WriteBoolean("incident_is_new", alert.IncidentIsNew);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
