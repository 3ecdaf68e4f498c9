using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>The same input through the real engine into SQLite and into PostgreSQL gives the same findings, word for word.</summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresParityTests(PostgresServer server)
{
    public static TheoryData<string, int> Inputs => new()
    {
        // The README's demo: a normal history and the attack in it. Small batches: baselines are written and read back many times.
        { "samples", 500 },
        // Real webhook payloads and audit logs of the corpus.
        { "corpus", 100_000 },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Ingest_into_PostgreSQL_gives_the_same_findings_and_incidents_as_into_SQLite(string input, int batchSize)
    {
        string[] paths = input == "samples"
            ? [Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), Path.Combine(Corpus.RepositoryRoot, "samples", "attack")]
            : [Corpus.File("github-webhooks"), Corpus.File("github-audit"), Corpus.File("gitlab-webhooks")];
        using var stores = await StorePair.OpenAsync(server);
        var (sqlite, postgres) = ((IStore)stores.Sqlite, (IStore)stores.Postgres);

        var onSqlite = await IngestInto.RunAsync(sqlite, paths, batchSize);
        var onPostgres = await IngestInto.RunAsync(postgres, paths, batchSize);
        var again = await IngestInto.RunAsync(postgres, paths, batchSize);

        Assert.NotEmpty(onSqlite.Findings);
        Assert.Equal(Described(onSqlite.Findings), Described(onPostgres.Findings));
        Assert.Equal(Described(sqlite.QueryFindings(new FindingQuery())), Described(postgres.QueryFindings(new FindingQuery())));
        Assert.Equal(Grouped(sqlite.QueryIncidents(new IncidentQuery())), Grouped(postgres.QueryIncidents(new IncidentQuery())));
        Assert.Equal(onSqlite.Summary, onPostgres.Summary);
        // The ledger: a second run over the same input is all duplicates and raises nothing.
        Assert.Equal((onSqlite.Summary.Events, 0L), (again.Summary.Duplicates, again.Summary.NewFindings));
    }

    private static string[] Described(IEnumerable<Finding> findings) =>
        [.. findings.Select(f => $"{f.Fingerprint} {f.Rule} {f.Category} {f.Severity} {f.Timestamp:O}\n{f.Title}\n{f.Explanation}").Order(StringComparer.Ordinal)];

    private static string[] Grouped(IEnumerable<Incident> incidents) =>
        [.. incidents.Select(i => $"{i.Id} {i.Severity}: {string.Join(' ', i.Findings.Select(f => f.Fingerprint))}").Order(StringComparer.Ordinal)];
}
