using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PipeWatch.Findings;

namespace PipeWatch.Store.Sqlite;

/// <summary>
/// The delivery log in the store's <c>alert_deliveries</c> table, on a connection of its own (routes write beside the ingest batch),
/// and the read side of the alert outbox (<c>alert_outbox</c>): an outcome recorded here takes its alert out of the outbox in the
/// same transaction.
/// </summary>
public sealed partial class SqliteDeliveryLog : IDeliveryLog, IDisposable
{
    private const int MaxErrorLength = 2_000;
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    private SqliteDeliveryLog(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    /// <summary>Opens the log in the store file at <paramref name="path"/>, which an opened <see cref="SqliteStore"/> has migrated.</summary>
    /// <exception cref="StoreException">The file cannot be opened or has no delivery table (an older store not opened by this version).</exception>
    public static SqliteDeliveryLog Open(string path, TimeProvider? time = null)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 10000; SELECT count(*) FROM alert_deliveries WHERE 0;";
            command.ExecuteScalar();
            return new SqliteDeliveryLog(connection, time ?? TimeProvider.System);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new StoreException($"{path}: cannot open the alert delivery log ({ex.Message.TrimEnd('.')})", ex);
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
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT route, attempts, error, updated_at, alert FROM alert_deliveries
                WHERE status = 'dead-letter' AND ($route IS NULL OR route = $route)
                ORDER BY updated_at, route, fingerprint LIMIT $limit
                """;
            command.Parameters.AddWithValue("$route", (object?)route ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var letters = new List<DeadLetter>();
            while (reader.Read())
            {
                using var json = JsonDocument.Parse(reader.GetString(4));
                var root = json.RootElement;
                var incident = root.TryGetProperty("incident", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
                var alert = new DeliveredAlert(FindingJson.Read(root.GetProperty("finding")), incident, root.TryGetProperty("incident_is_new", out var isNew) && isNew.GetBoolean());
                letters.Add(new DeadLetter(
                    reader.GetString(0), alert, reader.GetInt32(1), reader.GetString(2),
                    DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
            }

            return letters;
        }
    }

    public void Dispose() => _connection.Dispose();

    private void Write(string route, IReadOnlyList<DeliveredAlert> alerts, string status, int attempts, string? error, bool keepBody)
    {
        var now = _time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO alert_deliveries (route, fingerprint, status, attempts, error, updated_at, alert)
                VALUES ($route, $fingerprint, $status, $attempts, $error, $at, $alert)
                ON CONFLICT (route, fingerprint) DO UPDATE SET
                    status = excluded.status, attempts = alert_deliveries.attempts + excluded.attempts,
                    error = excluded.error, updated_at = excluded.updated_at, alert = excluded.alert
                """;
            var fingerprint = command.Parameters.Add("$fingerprint", SqliteType.Text);
            var body = command.Parameters.Add("$alert", SqliteType.Text);
            command.Parameters.AddWithValue("$route", route);
            command.Parameters.AddWithValue("$status", status);
            command.Parameters.AddWithValue("$attempts", attempts);
            command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", now);
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
