using System.Text.Json.Nodes;
using PipeWatch.Store;

namespace PipeWatch.Server.Api;

/// <summary>Lists stored baselines by key prefix, decoded, on a read-only connection of its own (never waits on the engine's batch).</summary>
internal static class BaselineListing
{
    public static List<JsonObject> Read(ISharedTables tables, string prefix, int limit, BaselineDecoder decoder)
    {
        using var connection = tables.OpenConnection(readOnly: true);
        using var command = connection.CreateCommand();
        // A range on the primary key rather than LIKE, which would need escaping and would not use the index; PostgreSQL compares
        // it byte-wise (the C collation), as SQLite does, whatever the database's collation.
        command.CommandText = tables.Dialect == SqlDialect.Postgres
            ? "SELECT key, version, data FROM baselines WHERE key COLLATE \"C\" >= @from AND key COLLATE \"C\" < @to ORDER BY key COLLATE \"C\" LIMIT @limit"
            : "SELECT key, version, data FROM baselines WHERE key >= @from AND key < @to ORDER BY key LIMIT @limit";
        command.AddParameter("@from", prefix);
        command.AddParameter("@to", prefix + '\uffff');
        command.AddParameter("@limit", limit);
        var entries = new List<JsonObject>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) entries.Add(decoder.Decode(reader.GetString(0), Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), (byte[])reader.GetValue(2)));
        return entries;
    }
}
