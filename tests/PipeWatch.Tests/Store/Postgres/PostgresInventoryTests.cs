using System.IO.Compression;
using Npgsql;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Server;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>
/// The inventory on PostgreSQL: the same CI servers (loopback stand-ins answering Jenkins' and GitLab's documented responses)
/// polled into SQLite and into a real PostgreSQL give the same inventory and the same <c>vulnerability.ci-infrastructure</c>
/// findings; an advisory imported later is re-matched, and a withdrawn one closes its finding, the same way on both; serve on
/// PostgreSQL polls <c>serve.ci-servers</c> and its scheduled advisory update re-matches the stored inventory.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresInventoryTests(PostgresServer server) : IDisposable
{
    private const string JenkinsToken = "not-a-real-jenkins-token-one";
    private const string GitLabToken = "not-a-real-gitlab-token-two";
    private const string Core = "GHSA-h856-ffvv-xvr4";
    private const string GitServer = "GHSA-vph5-2q33-7r9h";
    private const string GitServerLater = "GHSA-xh9c-vcf9-h94m";
    private static readonly string Fixtures = Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Sources", "CiServers", "Fixtures");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_same_polled_CI_servers_give_the_same_inventory_and_findings_on_PostgreSQL_as_on_SQLite_and_a_later_advisory_re_matches_the_same_way()
    {
        await using var jenkins = Jenkins();
        await using var gitlab = GitLab();
        File.WriteAllText(
            _temp.File("pipewatch.yml"),
            $"serve:\n  ci-servers:\n    - jenkins: {jenkins.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n    - gitlab: {gitlab.Url}\n      token: ${{env:GITLAB_TOKEN}}\n");
        var cli = new CliRunner(_temp.Path, new Dictionary<string, string> { ["JENKINS_TOKEN"] = JenkinsToken, ["GITLAB_TOKEN"] = GitLabToken });
        var sqlite = _temp.File("pw.db");
        var postgres = server.Uri(await server.CreateDatabaseAsync());
        foreach (var location in new[] { sqlite, postgres }) Import(location, Advisory(Core), Advisory(GitServer));

        var onSqlite = await cli.RunAsync("inventory", "poll", "--store", sqlite);
        var onPostgres = await cli.RunAsync("inventory", "poll", "--store", postgres);

        Assert.Equal(1, onPostgres.ExitCode);
        Assert.Equal(onSqlite.ErrorLines, onPostgres.ErrorLines);
        Assert.Contains($"{jenkins.Url}: 1 place, 4 components", onPostgres.ErrorLines);
        Assert.Equal(
            [
                $"high\tgit-server@99.va_0826a_b_cdfa_d on ci-server {jenkins.Url} is affected by {GitServer} (CVE-2024-23899)",
                $"high\torg.jenkins-ci.main:jenkins-core@2.452.3 on ci-server {jenkins.Url} is affected by {Core} (CVE-2024-43044)",
            ],
            onPostgres.OutputLines.Order(StringComparer.Ordinal));
        Assert.Equal((onSqlite.ExitCode, onSqlite.Output), (onPostgres.ExitCode, onPostgres.Output));

        // The same inventory: every entry (first-seen times included), the listing and its order.
        Assert.Equal(Entries(sqlite), Entries(postgres));
        Assert.Equal(8, Entries(postgres).Count);
        var listed = await cli.RunAsync("inventory", "list", "--store", postgres);
        Assert.Equal((0, (await cli.RunAsync("inventory", "list", "--store", sqlite)).Output), (listed.ExitCode, listed.Output));
        string[] places =
        [
            $"ci-server\t{gitlab.Url}\t1 package", $"ci-server\t{jenkins.Url}\t4 packages",
            $"runner\t{gitlab.Url}/admin/runners/42\t1 package", $"runner\t{gitlab.Url}/admin/runners/43\t2 packages",
        ];
        Assert.Equal(places.Order(StringComparer.Ordinal), listed.OutputLines);

        // The same findings: fingerprints, titles, explanations.
        Assert.Equal(Findings(sqlite), Findings(postgres));
        Assert.Equal(2, Findings(postgres).Count);

        // Polled again, unchanged: nothing new on either.
        var again = await cli.RunAsync("inventory", "poll", "--store", postgres);
        Assert.Equal((0, ""), (again.ExitCode, again.Output));

        // An advisory published later for the polled plugin: the re-match raises exactly its one finding, the same on both.
        var later = new[] { sqlite, postgres }.Select(l => Rematch(l, Advisory(GitServerLater))).ToList();
        Assert.Equal(later[0].Raised.Select(Described), later[1].Raised.Select(Described));
        var raised = Assert.Single(later[1].Raised);
        Assert.Equal($"{GitServerLater} (CVE-2024-34146) affects git-server 99.va_0826a_b_cdfa_d in 1 place", raised.Title);
        Assert.Equal((Categories.CiInfrastructureVulnerability, $"ci-server {jenkins.Url}"), (raised.Category, raised.Evidence.Single(e => e.Name == "places").Value));
        Assert.Equal(Findings(sqlite), Findings(postgres));

        // Then withdrawn: its finding is closed, with the reason, on both.
        var withdrawn = new[] { sqlite, postgres }.Select(l => Rematch(l, Advisory(GitServerLater) with { Withdrawn = true })).ToList();
        Assert.Equal([1, 1], withdrawn.Select(w => w.Closed));
        Assert.Equal(("closed", "close", $"advisory {GitServerLater} was withdrawn"), await StatusAsync(postgres, raised.Fingerprint));
        using (var store = StoreFactory.Open(postgres)) Assert.Empty(((IInventoryStore)store).Exposures(GitServerLater));
    }

    [Fact]
    public async Task Serve_on_PostgreSQL_polls_its_CI_servers_and_its_advisory_update_re_matches_the_stored_inventory_as_serve_on_SQLite_does()
    {
        await using var jenkins = Jenkins();
        var archive = Zip(Core, File.ReadAllText(Path.Combine(Fixtures, Core + ".json")));
        await using var osv = new LoopbackHttpServer(r => r.Path == "/Maven/all.zip"
            ? new HttpReply(200, Headers: new Dictionary<string, string> { ["ETag"] = "\"maven-1\"" }, ContentType: "application/zip") { Bytes = archive }
            : new HttpReply(404));
        using var sqliteFolder = new TempFolder();
        using var postgresFolder = new TempFolder();
        var postgres = server.Uri(await server.CreateDatabaseAsync());

        var onSqlite = await ServeTwiceAsync(sqliteFolder, sqliteFolder.File("pipewatch.db"), null, jenkins.Url, osv.Url);
        var onPostgres = await ServeTwiceAsync(postgresFolder, postgres, postgres, jenkins.Url, osv.Url);

        // The poll at start: the plugin's finding. The update: the core's advisory, new, re-matched to the polled server alone.
        Assert.Contains($"pipewatch serve: {jenkins.Url} polled (1 place); 1 new finding\n", onPostgres.Said, StringComparison.Ordinal);
        Assert.Contains("pipewatch serve: advisories updated (1 archive, 1 changed); inventory re-matched: 1 new finding, 0 closed\n", onPostgres.Said, StringComparison.Ordinal);
        Assert.Equal(
            [
                $"{Core} (CVE-2024-43044) affects org.jenkins-ci.main:jenkins-core 2.452.3 in 1 place",
                $"git-server@99.va_0826a_b_cdfa_d on ci-server {jenkins.Url} is affected by {GitServer} (CVE-2024-23899)",
            ],
            onPostgres.Findings.Select(f => f.Title).Order(StringComparer.Ordinal));
        Assert.Equal(onSqlite.Findings, onPostgres.Findings);
        Assert.Equal(Entries(sqliteFolder.File("pipewatch.db")).Select(e => (e.Place, e.Item)), Entries(postgres).Select(e => (e.Place, e.Item)));
        Assert.Equal(4, Entries(postgres).Count);
        Assert.Equal(2, jenkins.Requests.Count(r => r.Path == "/pluginManager/api/json?depth=1"));
    }

    /// <summary>Serve with <c>serve.ci-servers</c> until it has polled; then serve again with <c>serve.vulndb-url</c> alone until it has updated.</summary>
    private static async Task<(string Said, List<(string Fingerprint, string Category, string Title, string Explanation)> Findings)> ServeTwiceAsync(TempFolder folder, string location, string? store, string jenkins, string osv)
    {
        Import(location, Advisory(GitServer));
        var text = new StringWriter();
        var output = TextWriter.Synchronized(text);
        var environment = new Dictionary<string, string> { ["JENKINS_TOKEN"] = JenkinsToken };
        var polling = $"serve:\n  ci-servers:\n    - jenkins: {jenkins}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n      interval: 1h\n";
        await using (await RunningServer.StartAsync(polling, environment, folder, output, store: store))
        {
            await UntilAsync(text, " polled ");
        }

        var updating = $"serve:\n  vulndb-url: {osv}/\n  vulndb-ecosystems: [Maven]\n  vulndb-interval: 1h\n";
        await using (await RunningServer.StartAsync(updating, environment, folder, output, store: store))
        {
            await UntilAsync(text, "advisories updated");
        }

        return (Said(text), Findings(location));
    }

    private static async Task UntilAsync(StringWriter text, string said)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Said(text).Contains(said, StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
    }

    private static string Said(StringWriter text)
    {
        lock (text) return text.ToString().ReplaceLineEndings("\n");
    }

    private static LoopbackHttpServer Jenkins() => new(r => r.Path switch
    {
        "/api/json?tree=mode" => new HttpReply(200, """{"_class":"hudson.model.Hudson","mode":"NORMAL"}""", new Dictionary<string, string> { ["X-Jenkins"] = "2.452.3" }),
        "/pluginManager/api/json?depth=1" => new HttpReply(200, Fixture("jenkins-plugin-manager.json"), new Dictionary<string, string> { ["X-Jenkins"] = "2.452.3" }),
        _ => new HttpReply(404, "{}"),
    });

    private static LoopbackHttpServer GitLab() => new(r => r.Path switch
    {
        "/api/v4/version" => new HttpReply(200, Fixture("gitlab-version.json")),
        "/api/v4/runners/all?per_page=100&page=1" => new HttpReply(200, Fixture("gitlab-runners-all.json"), new Dictionary<string, string> { ["X-Page"] = "1", ["X-Next-Page"] = "" }),
        "/api/v4/runners/42" => new HttpReply(200, Fixture("gitlab-runner-42.json")),
        "/api/v4/runners/43" => new HttpReply(200, Fixture("gitlab-runner-43.json")),
        "/api/v4/runners/43/managers" => new HttpReply(200, Fixture("gitlab-runner-43-managers.json")),
        _ => new HttpReply(404, """{"message":"404 Not found"}"""),
    });

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(Fixtures, name));

    private static Advisory Advisory(string id) => OsvFiles.Read(Path.Combine(Fixtures, id + ".json"));

    private static void Import(string location, params Advisory[] advisories)
    {
        using var store = StoreFactory.Open(location);
        ((IAdvisoryStore)store).ImportAdvisories(advisories, TestContext.Current.CancellationToken);
    }

    /// <summary>What serve's scheduled update does after an import: the inventory re-matched against the advisories that changed.</summary>
    private static RematchResult Rematch(string location, Advisory advisory)
    {
        using var store = StoreFactory.Open(location);
        var changes = ((IAdvisoryStore)store).ImportAdvisories([advisory], TestContext.Current.CancellationToken).Changes;
        using var index = ((IAdvisoryStore)store).OpenAdvisoryIndex();
        return InventoryRematch.Run((IInventoryStore)store, index, changes, Ingest.Now, TestContext.Current.CancellationToken);
    }

    private static List<InventoryEntry> Entries(string location)
    {
        using var store = StoreFactory.Open(location);
        return [.. ((IInventoryStore)store).Entries()];
    }

    private static List<(string Fingerprint, string Category, string Title, string Explanation)> Findings(string location)
    {
        using var store = StoreFactory.Open(location);
        return [.. store.QueryFindings(new FindingQuery()).Select(Described).Order()];
    }

    private static (string Fingerprint, string Category, string Title, string Explanation) Described(Finding f) => (f.Fingerprint, f.Category, f.Title, f.Explanation);

    /// <summary>The triage status of a finding and its last action with the reason, as PostgreSQL holds them.</summary>
    private async Task<(string, string, string)> StatusAsync(string location, string fingerprint)
    {
        var database = location[(location.LastIndexOf('/') + 1)..location.IndexOf('?', StringComparison.Ordinal)];
        await using var connection = new NpgsqlConnection(server.ConnectionString(database));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT s.status, a.action, a.reason FROM finding_status s JOIN finding_actions a ON a.fingerprint = s.fingerprint WHERE s.fingerprint = @f ORDER BY a.seq DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("f", fingerprint);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken), "no status stored");
        return (reader.GetString(0), reader.GetString(1), reader.GetString(2));
    }

    private static byte[] Zip(string id, string record)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry(id + ".json").Open();
            stream.Write(System.Text.Encoding.UTF8.GetBytes(record));
        }

        return buffer.ToArray();
    }
}
