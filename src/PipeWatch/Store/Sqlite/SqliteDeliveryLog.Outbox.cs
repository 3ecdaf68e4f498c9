using System.Text.Json;
using Microsoft.Data.Sqlite;
using PipeWatch.Findings;

namespace PipeWatch.Store.Sqlite;

/// <summary>The alert outbox's read and settle side (migration 13), on the delivery log's connection.</summary>
public sealed partial class SqliteDeliveryLog : IAlertOutbox
{
    long IAlertOutbox.LastQueued()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT coalesce(max(seq), 0) FROM alert_outbox";
            return (long)command.ExecuteScalar()!;
        }
    }

    IReadOnlyList<QueuedAlert> IAlertOutbox.Queued(string route, long after, long upTo, int limit)
    {
        var queued = new List<QueuedAlert>();
        var gone = new List<string>();
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT o.seq, o.fingerprint, o.incident, o.incident_is_new, f.body
                FROM alert_outbox o LEFT JOIN findings f ON f.fingerprint = o.fingerprint
                WHERE o.seq > $after AND o.seq <= $up_to AND o.route = $route
                ORDER BY o.seq LIMIT $limit
                """;
            command.Parameters.AddWithValue("$route", route);
            command.Parameters.AddWithValue("$after", after);
            command.Parameters.AddWithValue("$up_to", upTo);
            command.Parameters.AddWithValue("$limit", limit);
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

        if (gone.Count > 0) ((IAlertOutbox)this).Settle(route, gone);
        return queued;
    }

    void IAlertOutbox.Settle(string route, IReadOnlyList<string> fingerprints)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var settle = SettleCommand(transaction, route);
            foreach (var fingerprint in fingerprints)
            {
                settle.Parameters[1].Value = fingerprint;
                settle.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    IReadOnlyDictionary<string, long> IAlertOutbox.QueuedCounts()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT route, count(*) FROM alert_outbox GROUP BY route ORDER BY route";
            using var reader = command.ExecuteReader();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (reader.Read()) counts[reader.GetString(0)] = reader.GetInt64(1);
            return counts;
        }
    }

    private SqliteCommand SettleCommand(SqliteTransaction transaction, string route)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM alert_outbox WHERE route = $route AND fingerprint = $fingerprint";
        command.Parameters.AddWithValue("$route", route);
        command.Parameters.Add("$fingerprint", SqliteType.Text);
        return command;
    }
}
