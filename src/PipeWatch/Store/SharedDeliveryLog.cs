using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;

namespace PipeWatch.Store;

/// <summary>
/// The delivery log (<c>alert_deliveries</c>) and the read and settle side of the alert outbox (<c>alert_outbox</c>), in either
/// store's tables (<see cref="ISharedTables"/>, one SQL text): an outcome recorded here takes its alert out of the outbox in the
/// same transaction. Each call opens a connection of its own, so routes write beside the engine's batch. Outbox entries are claimed
/// (<c>claimed_by</c>, <c>claimed_until</c>) so that processes sharing the store deliver each alert once.
/// </summary>
/// <remarks>Calls are serialized (one at a time per log), as <see cref="IDeliveryLog"/> asks.</remarks>
internal sealed class SharedDeliveryLog : IDeliveryLog, IAlertOutbox, IDisposable
{
    private const int MaxErrorLength = 2_000;
    private readonly ISharedTables _tables;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    /// <param name="lease">How long a claim on an outbox entry holds without renewal (default <see cref="DefaultLease"/>).</param>
    public SharedDeliveryLog(ISharedTables tables, TimeProvider time, TimeSpan? lease = null)
    {
        _tables = tables;
        _time = time;
        Lease = lease ?? DefaultLease;
        Owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
    }

    /// <summary>How long a claim holds by default: a dead process's alerts go to another this long after its last renewal.</summary>
    public static TimeSpan DefaultLease { get; } = TimeSpan.FromSeconds(30);

    public string Owner { get; }

    public TimeSpan Lease { get; }

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

    public IReadOnlyList<QueuedAlert> Claim(string route, int limit)
    {
        var queued = new List<QueuedAlert>();
        var gone = new List<string>();
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            using var connection = _tables.OpenConnection();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            // One statement takes the rows: a row another process is taking at the same moment is skipped on PostgreSQL (SKIP
            // LOCKED) and waits for the write lock on SQLite, then no longer matches. Either way one process gets each alert.
            command.CommandText = $"""
                UPDATE alert_outbox SET claimed_by = @owner, claimed_until = @until
                WHERE seq IN (
                    SELECT seq FROM alert_outbox
                    WHERE route = @route AND (claimed_until IS NULL OR claimed_until < @now)
                    ORDER BY seq LIMIT @limit{(_tables.Dialect == SqlDialect.Postgres ? " FOR UPDATE SKIP LOCKED" : "")})
                RETURNING seq, fingerprint, incident, incident_is_new,
                    (SELECT f.body FROM findings f WHERE f.fingerprint = alert_outbox.fingerprint)
                """;
            command.AddParameter("@owner", Owner);
            command.AddParameter("@until", SqliteStore.Iso(now + Lease));
            command.AddParameter("@route", route);
            command.AddParameter("@now", SqliteStore.Iso(now));
            command.AddParameter("@limit", limit);
            using (var reader = command.ExecuteReader())
            {
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

            transaction.Commit();
        }

        if (gone.Count > 0) Settle(route, gone);
        // RETURNING gives rows in no promised order.
        queued.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return queued;
    }

    public int Renew(string route)
    {
        lock (_gate)
        {
            using var connection = _tables.OpenConnection();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE alert_outbox SET claimed_until = @until WHERE claimed_by = @owner AND route = @route";
            command.AddParameter("@until", SqliteStore.Iso(_time.GetUtcNow() + Lease));
            command.AddParameter("@owner", Owner);
            command.AddParameter("@route", route);
            return command.ExecuteNonQuery();
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            using var connection = _tables.OpenConnection();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE alert_outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = @owner";
            command.AddParameter("@owner", Owner);
            command.ExecuteNonQuery();
        }
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
            command.CommandText = "SELECT route, count(*) FROM alert_outbox WHERE claimed_until IS NULL OR claimed_until < @now GROUP BY route ORDER BY route";
            command.AddParameter("@now", SqliteStore.Iso(_time.GetUtcNow()));
            using var reader = command.ExecuteReader();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (reader.Read()) counts[reader.GetString(0)] = reader.GetInt64(1);
            return counts;
        }
    }

    public void Dispose()
    {
        // Every call opens and closes its own connection; what is left to give back are the claims.
        try
        {
            Release();
        }
        catch (DbException)
        {
            // The store is gone: the claims expire after the lease instead.
        }
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
