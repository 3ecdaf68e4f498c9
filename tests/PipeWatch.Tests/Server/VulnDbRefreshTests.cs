using System.IO.Compression;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Store;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary><c>serve.vulndb-url</c>: a running server downloads OSV's archive from a loopback stand-in at start, imports it into its store and re-matches the inventory: one grouped finding.</summary>
public sealed class VulnDbRefreshTests
{
    [Fact]
    public async Task A_scheduled_update_re_matches_the_inventory_of_the_running_store()
    {
        var archive = Zip(File.ReadAllText(Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json")));
        await using var osv = new LoopbackHttpServer(request => request.Path == "/npm/all.zip"
            ? new HttpReply(200, Headers: new Dictionary<string, string> { ["ETag"] = "\"npm-1\"" }, ContentType: "application/zip") { Bytes = archive }
            : new HttpReply(404));
        using var folder = new TempFolder();
        using (var store = SqliteStore.Open(folder.File("pipewatch.db")))
        using (var write = store.BeginInventory())
        {
            foreach (var (repository, version) in new[] { ("acme/api", "4.17.15"), ("acme/web", "4.17.21"), ("acme/jobs", "4.17.11") })
            {
                write.Replace(new InventoryUpdate(
                    new InventoryPlace(PlaceKind.Repository, repository), null, [new InventoryItem(Ecosystems.Npm, "lodash", version, "package-lock.json", Source: "registry")], Ingest.Now.AddDays(-7)));
            }

            write.Commit();
        }

        var text = new StringWriter();
        await using (await RunningServer_StartAsync(folder, osv.Url, TextWriter.Synchronized(text)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Said(text).Contains("inventory re-matched", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Contains("pipewatch serve: advisories updated (1 archive, 1 changed); inventory re-matched: 1 new finding, 0 closed", Said(text), StringComparison.Ordinal);
        Assert.Equal(["GET /npm/all.zip"], osv.Requests.Select(r => $"{r.Method} {r.Path}"));
        using var check = SqliteStore.Open(folder.File("pipewatch.db"));
        var finding = Assert.Single(check.QueryFindings(new FindingQuery()));
        Assert.Equal("GHSA-p6mc-m468-83gw (CVE-2020-8203) affects lodash 4.17.11 and 1 more in 2 places", finding.Title);
        Assert.Equal("repository acme/api; repository acme/jobs", finding.Evidence.Single(e => e.Name == "places").Value);
    }

    private static Task<RunningServer> RunningServer_StartAsync(TempFolder folder, string url, TextWriter output) =>
        RunningServer.StartAsync($"serve:\n  vulndb-url: {url}/\n  vulndb-ecosystems: [npm]\n  vulndb-interval: 1h\n", folder: folder, output: output);

    private static string Said(StringWriter text)
    {
        lock (text) return text.ToString();
    }

    private static byte[] Zip(string record)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry("GHSA-p6mc-m468-83gw.json").Open();
            stream.Write(System.Text.Encoding.UTF8.GetBytes(record));
        }

        return buffer.ToArray();
    }
}
