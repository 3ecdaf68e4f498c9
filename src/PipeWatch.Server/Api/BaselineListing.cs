using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace PipeWatch.Server.Api;

/// <summary>Lists stored baselines by key prefix, decoded, on a read-only connection of its own (never waits on the engine's batch).</summary>
internal static class BaselineListing
{
    public static List<JsonObject> Read(string storePath, string prefix, int limit, BaselineDecoder decoder)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // A range on the primary key rather than LIKE, which would need escaping and would not use the index.
        command.CommandText = "SELECT key, version, data FROM baselines WHERE key >= $from AND key < $to ORDER BY key LIMIT $limit";
        command.Parameters.AddWithValue("$from", prefix);
        command.Parameters.AddWithValue("$to", prefix + '\uffff');
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<JsonObject>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) entries.Add(decoder.Decode(reader.GetString(0), reader.GetInt32(1), (byte[])reader.GetValue(2)));
        return entries;
    }
}
