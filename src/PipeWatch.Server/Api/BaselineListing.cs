using Microsoft.Data.Sqlite;

namespace PipeWatch.Server.Api;

/// <summary>One stored baseline as the API lists it: its key (<c>DETECTOR|KEY</c>), format version and size.</summary>
internal sealed record BaselineEntry(string Key, int Version, long Bytes);

/// <summary>Lists stored baselines by key prefix, on a read-only connection of its own (never waits on the engine's batch).</summary>
internal static class BaselineListing
{
    public static List<BaselineEntry> Read(string storePath, string prefix, int limit)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // A range on the primary key rather than LIKE, which would need escaping and would not use the index.
        command.CommandText = "SELECT key, version, length(data) FROM baselines WHERE key >= $from AND key < $to ORDER BY key LIMIT $limit";
        command.Parameters.AddWithValue("$from", prefix);
        command.Parameters.AddWithValue("$to", prefix + '\uffff');
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<BaselineEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) entries.Add(new BaselineEntry(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)));
        return entries;
    }
}
