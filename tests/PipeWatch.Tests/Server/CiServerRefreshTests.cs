using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary><c>serve.ci-servers</c>: a running server reads a Jenkins stand-in at start into its store's inventory and matches it against the advisories the store holds.</summary>
public sealed class CiServerRefreshTests
{
    private static readonly string Fixtures = Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Sources", "CiServers", "Fixtures");

    [Fact]
    public async Task A_scheduled_poll_inventories_the_jenkins_and_stores_its_plugin_finding()
    {
        var plugins = File.ReadAllText(Path.Combine(Fixtures, "jenkins-plugin-manager.json"));
        await using var jenkins = new LoopbackHttpServer(r => r.Path switch
        {
            "/api/json?tree=mode" => new HttpReply(200, """{"mode":"NORMAL"}""", new Dictionary<string, string> { ["X-Jenkins"] = "2.452.4" }),
            "/pluginManager/api/json?depth=1" => new HttpReply(200, plugins),
            _ => new HttpReply(404),
        });
        using var folder = new TempFolder();
        using (var store = SqliteStore.Open(folder.File("pipewatch.db")))
        {
            store.ImportAdvisories([OsvFiles.Read(Path.Combine(Fixtures, "GHSA-vph5-2q33-7r9h.json"))], CancellationToken.None);
        }

        var text = new StringWriter();
        var yaml = $"serve:\n  ci-servers:\n    - jenkins: {jenkins.Url}\n      user: pipewatch\n      token: ${{env:JENKINS_TOKEN}}\n      interval: 1h\n";
        await using (await RunningServer.StartAsync(yaml, new Dictionary<string, string> { ["JENKINS_TOKEN"] = "not-a-real-jenkins-token" }, folder, TextWriter.Synchronized(text)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Said(text).Contains(" polled ", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Contains($"pipewatch serve: {jenkins.Url} polled (1 place); 1 new finding", Said(text), StringComparison.Ordinal);
        Assert.Equal(["GET /api/json?tree=mode", "GET /pluginManager/api/json?depth=1"], jenkins.Requests.Select(r => $"{r.Method} {r.Path}"));
        using var check = SqliteStore.Open(folder.File("pipewatch.db"));
        var finding = Assert.Single(check.QueryFindings(new FindingQuery()));
        Assert.Equal((Categories.CiInfrastructureVulnerability, $"git-server@99.va_0826a_b_cdfa_d on ci-server {jenkins.Url} is affected by GHSA-vph5-2q33-7r9h (CVE-2024-23899)"), (finding.Category, finding.Title));
        Assert.Equal(4, check.Entries().Count());
    }

    private static string Said(StringWriter text)
    {
        lock (text) return text.ToString();
    }
}
