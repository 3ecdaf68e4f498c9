using System.IO.Compression;
using Microsoft.Data.Sqlite;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Detectors.Dependencies;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// Continuity: an estate of repositories scanned into a store last week, then <c>vulndb update</c> from a loopback archive
/// server that adds one advisory: one finding, naming every repository that uses an affected version and no other; the same
/// update again, or the same record imported again, raises nothing; the advisory withdrawn closes the finding.
/// </summary>
public sealed class InventoryRematchTests : IDisposable
{
    private static readonly DateTimeOffset LastWeek = Ingest.Now.AddDays(-7);
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;
    private readonly List<TestRepository> _repositories = [];

    public InventoryRematchTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose()
    {
        foreach (var repository in _repositories) repository.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task One_new_advisory_is_one_finding_naming_every_affected_repository_and_the_same_update_twice_adds_nothing()
    {
        await ScanEstateAsync();
        var archive = Zip([]);
        var etag = "\"npm-1\"";
        await using var server = new LoopbackHttpServer(request => request.Path != "/npm/all.zip" ? new HttpReply(404)
            : request.Headers.GetValueOrDefault("If-None-Match") == etag ? new HttpReply(304, Headers: new Dictionary<string, string> { ["ETag"] = etag })
            : new HttpReply(200, Headers: new Dictionary<string, string> { ["ETag"] = etag }, ContentType: "application/zip") { Bytes = archive });
        string[] update = ["vulndb", "update", "--db", "cache/advisories.db", "--base-url", server.Url + "/", "--ecosystem", "npm", "--rematch", "store.db"];
        var before = await _cli.RunAsync(update);
        var findingsBefore = Findings().Count;

        // A day later OSV's archive has the lodash advisory.
        archive = Zip([File.ReadAllText(Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"))]);
        etag = "\"npm-2\"";
        var published = await _cli.RunAsync(update);
        var again = await _cli.RunAsync(update);
        var imported = await _cli.RunAsync("vulndb", "import", "--db", "cache/advisories.db", Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"), "--rematch", "store.db");

        Assert.Equal(0, before.ExitCode);
        Assert.Equal("re-matched 0 changed advisories against 4 places of store.db: 0 new findings, 0 closed", before.ErrorLines[^1]);
        Assert.Equal(0, published.ExitCode);
        Assert.Equal(["high\tGHSA-p6mc-m468-83gw (CVE-2020-8203) affects lodash 4.17.15 and 1 more in 3 places"], published.OutputLines);
        Assert.Equal("re-matched 1 changed advisory against 4 places of store.db: 1 new finding, 0 closed", published.ErrorLines[^1]);
        var after = Findings();
        Assert.Equal(findingsBefore + 1, after.Count);
        var finding = Assert.Single(after, f => f.Explanation.StartsWith("Advisory GHSA-p6mc-m468-83gw", StringComparison.Ordinal));
        Assert.Equal(Categories.KnownVulnerability, finding.Category);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Null(finding.Entity.Repository);
        Assert.Equal(
            "Advisory GHSA-p6mc-m468-83gw (high, CVSS 7.4), published on 2020-07-15, affects lodash 4.17.15, lodash-es 4.17.11, in use since " + Day(LastWeek) + " in 3 places: "
            + "repository api (lodash 4.17.15 in package-lock.json since " + Day(LastWeek) + "); "
            + "repository web (lodash 4.17.15 in package-lock.json since " + Day(LastWeek.AddDays(1)) + "); "
            + "repository worker (lodash-es 4.17.11 in package-lock.json since " + Day(LastWeek) + "). Prototype Pollution in lodash; fixed in 4.17.20.",
            finding.Explanation);
        Assert.Equal("repository api; repository web; repository worker", finding.Evidence.Single(e => e.Name == "places").Value);
        Assert.Empty(again.OutputLines);
        Assert.Equal("re-matched 0 changed advisories against 4 places of store.db: 0 new findings, 0 closed", again.ErrorLines[^1]);
        Assert.Empty(imported.OutputLines);
        Assert.Equal("re-matched 0 changed advisories against 4 places of store.db: 0 new findings, 0 closed", imported.ErrorLines[^1]);
        Assert.Equal(after.Count, Findings().Count);
    }

    [Fact]
    public async Task A_withdrawn_advisory_closes_its_finding()
    {
        await ScanEstateAsync();
        var record = File.ReadAllText(Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"));
        File.WriteAllText(_temp.File("advisory.json"), record);
        var raised = await _cli.RunAsync("vulndb", "import", "--db", "advisories.db", "advisory.json", "--rematch", "store.db");
        File.WriteAllText(_temp.File("advisory.json"), record.Replace("\"modified\":", "\"withdrawn\": \"2022-03-01T00:00:00Z\",\n  \"modified\":", StringComparison.Ordinal));

        var withdrawn = await _cli.RunAsync("vulndb", "import", "--db", "advisories.db", "advisory.json", "--rematch", "store.db");

        Assert.Single(raised.OutputLines);
        Assert.Empty(withdrawn.OutputLines);
        Assert.Equal("re-matched 1 changed advisory against 4 places of store.db: 0 new findings, 1 closed", withdrawn.ErrorLines[^1]);
        var finding = Assert.Single(Findings(), f => f.Explanation.StartsWith("Advisory GHSA-p6mc-m468-83gw", StringComparison.Ordinal));
        using var connection = new SqliteConnection($"Data Source={_temp.File("store.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT s.status || ' ' || a.reason FROM finding_status s JOIN finding_actions a ON a.fingerprint = s.fingerprint WHERE s.fingerprint = $f";
        command.Parameters.AddWithValue("$f", finding.Fingerprint);
        Assert.Equal("closed advisory GHSA-p6mc-m468-83gw was withdrawn", command.ExecuteScalar());
    }

    [Fact]
    public async Task The_new_finding_goes_through_the_alert_routes_once_before_the_command_returns()
    {
        await ScanEstateAsync();
        await using var hook = new LoopbackHttpServer(_ => new HttpReply(200));
        File.WriteAllText(_temp.File("routes.yml"), $"alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: {hook.Url}/pipewatch\n");
        string[] import = ["vulndb", "import", "--db", "advisories.db", Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"), "--rematch", "store.db", "--config", "routes.yml"];

        var raised = await _cli.RunAsync(import);
        var sentFirst = hook.Requests.Count;
        var again = await _cli.RunAsync(import);

        Assert.Equal((0, 0), (raised.ExitCode, again.ExitCode));
        Assert.Equal(1, sentFirst);
        var sent = Assert.Single(hook.Requests);
        var finding = Assert.Single(Findings(), f => f.Explanation.StartsWith("Advisory GHSA-p6mc-m468-83gw", StringComparison.Ordinal));
        using var json = sent.Json();
        var alert = Assert.Single(json.RootElement.GetProperty("alerts").EnumerateArray()).GetProperty("finding");
        Assert.Equal((finding.Fingerprint, finding.Title), (alert.GetProperty("fingerprint").GetString(), alert.GetProperty("title").GetString()));
        Assert.Contains(
            alert.GetProperty("evidence").EnumerateArray(),
            e => e.GetProperty("name").GetString() == "places" && e.GetProperty("value").GetString() == "repository api; repository web; repository worker");
    }

    [Fact]
    public async Task A_route_whose_secret_is_missing_stops_the_rematch_with_exit_2()
    {
        await ScanEstateAsync();
        File.WriteAllText(_temp.File("routes.yml"), "alerts:\n  routes:\n    - name: soc\n      sink: webhook\n      url: http://127.0.0.1:9/pipewatch\n      secret: ${env:PIPEWATCH_TEST_NO_SUCH_SECRET}\n");

        var result = await _cli.RunAsync("vulndb", "import", "--db", "advisories.db", Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"), "--rematch", "store.db", "--config", "routes.yml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("PIPEWATCH_TEST_NO_SUCH_SECRET", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Findings(), f => f.Explanation.StartsWith("Advisory GHSA-p6mc-m468-83gw", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_inventory_holds_what_each_repository_has_now()
    {
        await ScanEstateAsync();

        using var store = SqliteStore.Open(_temp.File("store.db"));
        var entries = store.Entries().Select(e => $"{e.Place} {e.Item.Path} {e.Item.Ecosystem}:{e.Item.Name}@{e.Item.Version}").Where(e => e.Contains("package-lock", StringComparison.Ordinal)).ToList();

        // docs dropped lodash for marked; web took lodash up a day after its first commit (its first-seen is that day).
        Assert.Equal(
            [
                "repository api package-lock.json npm:express@4.21.2",
                "repository api package-lock.json npm:lodash@4.17.15",
                "repository docs package-lock.json npm:marked@15.0.7",
                "repository web package-lock.json npm:lodash@4.17.15",
                "repository web package-lock.json npm:react@18.3.1",
                "repository worker package-lock.json npm:lodash-es@4.17.11",
            ],
            entries);
    }

    /// <summary>Four repositories scanned into store.db a week ago: api and web use lodash 4.17.15, worker lodash-es 4.17.11, docs used lodash and dropped it.</summary>
    private async Task ScanEstateAsync()
    {
        var api = Repository("api");
        api.Write("package.json", CommitHistory.PackageJson("express", "lodash"))
            .Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("express", "4.21.2", Direct: true), new NpmEntry("lodash", "4.17.15", Direct: true)));
        api.Commit("dependencies", "Dana Dev <dana@example.com>", LastWeek);
        var web = Repository("web");
        web.Write("package.json", CommitHistory.PackageJson("react")).Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("react", "18.3.1", Direct: true)));
        web.Commit("react", "Dana Dev <dana@example.com>", LastWeek);
        web.Write("package.json", CommitHistory.PackageJson("react", "lodash"))
            .Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("react", "18.3.1", Direct: true), new NpmEntry("lodash", "4.17.15", Direct: true)));
        web.Commit("lodash", "Dana Dev <dana@example.com>", LastWeek.AddDays(1));
        var worker = Repository("worker");
        worker.Write("package.json", CommitHistory.PackageJson("lodash-es")).Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("lodash-es", "4.17.11", Direct: true)));
        worker.Commit("lodash-es", "Dana Dev <dana@example.com>", LastWeek);
        var docs = Repository("docs");
        docs.Write("package.json", CommitHistory.PackageJson("lodash")).Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("lodash", "4.17.15", Direct: true)));
        docs.Commit("lodash", "Dana Dev <dana@example.com>", LastWeek);
        docs.Write("package.json", CommitHistory.PackageJson("marked")).Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("marked", "15.0.7", Direct: true)));
        docs.Commit("marked instead", "Dana Dev <dana@example.com>", LastWeek.AddDays(2));
        foreach (var repository in _repositories)
        {
            var scan = await _cli.RunAsync("scan", repository.Path, "--store", "store.db", "--format", "json");
            Assert.True(scan.ExitCode is 0 or 1, scan.Error);
        }
    }

    private TestRepository Repository(string name)
    {
        var repository = new TestRepository(name: name);
        _repositories.Add(repository);
        return repository;
    }

    private List<Finding> Findings()
    {
        using var store = SqliteStore.Open(_temp.File("store.db"));
        return [.. store.QueryFindings(new PipeWatch.Store.FindingQuery())];
    }

    private static string Day(DateTimeOffset time) => time.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An OSV-style all.zip of these records.</summary>
    private static byte[] Zip(IReadOnlyList<string> records)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var i = 0; i < records.Count; i++)
            {
                using var stream = zip.CreateEntry($"record-{i}.json").Open();
                stream.Write(System.Text.Encoding.UTF8.GetBytes(records[i]));
            }
        }

        return buffer.ToArray();
    }
}
