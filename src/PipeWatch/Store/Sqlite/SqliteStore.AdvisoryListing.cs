using PipeWatch.Dependencies.Advisories;

namespace PipeWatch.Store.Sqlite;

/// <summary>The advisory index, summarized for people (<c>vulndb list</c>): per ecosystem, its packages and advisories.</summary>
public sealed partial class SqliteStore
{
    public IReadOnlyList<AdvisoryEcosystem> AdvisoryEcosystems()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT ecosystem, count(DISTINCT name), count(DISTINCT advisory_id) FROM advisory_packages GROUP BY ecosystem ORDER BY ecosystem";
        using var reader = command.ExecuteReader();
        var rows = new List<AdvisoryEcosystem>();
        while (reader.Read()) rows.Add(new AdvisoryEcosystem(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        return rows;
    }
}
