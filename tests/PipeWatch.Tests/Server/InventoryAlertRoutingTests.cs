using System.IO.Compression;
using System.Text;
using Microsoft.Data.Sqlite;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>
/// <c>pipewatch serve</c> as a child process with a webhook route: its scheduled <c>vulndb update</c> from a loopback archive server
/// adds one advisory affecting packages of the inventory, and the route gets exactly one alert naming every affected place; the
/// same refresh again (the record re-published with a new modification time) sends nothing.
/// </summary>
public sealed class InventoryAlertRoutingTests
{
    [Fact]
    public async Task A_scheduled_refresh_sends_one_alert_naming_every_affected_place_and_the_same_refresh_again_sends_none()
    {
        using var folder = new TempFolder();
        using (var store = SqliteStore.Open(folder.File("pipewatch.db")))
        using (var write = store.BeginInventory())
        {
            foreach (var (repository, version) in new[] { ("acme/api", "4.17.15"), ("acme/web", "4.17.21"), ("acme/jobs", "4.17.11") })
            {
                write.Replace(new InventoryUpdate(
                    new InventoryPlace(PlaceKind.Repository, repository), null, [new InventoryItem(Ecosystems.Npm, "lodash", version, "package-lock.json", Source: "registry")], Ingest.Now.AddDays(-7)));
            }

            write.Replace(new InventoryUpdate(
                new InventoryPlace(PlaceKind.Image, "registry.example.com/acme/web:1.4"),
                null,
                [new InventoryItem(Ecosystems.Npm, "lodash", "4.17.19", "app/node_modules/lodash/package.json", Layer: "sha256:" + new string('b', 64), Source: "registry")],
                Ingest.Now.AddDays(-3)));
            write.Commit();
        }

        // OSV's npm archive, with the lodash advisory; the second start finds it re-published (a new modification time, a new ETag).
        var record = File.ReadAllText(Path.Combine(OsvFiles.Fixtures, "GHSA-p6mc-m468-83gw.json"));
        var archive = Zip(record);
        var etag = "\"npm-1\"";
        await using var osv = new LoopbackHttpServer(request => request.Path != "/npm/all.zip" ? new HttpReply(404)
            : request.Headers.GetValueOrDefault("If-None-Match") == etag ? new HttpReply(304, Headers: new Dictionary<string, string> { ["ETag"] = etag })
            : new HttpReply(200, Headers: new Dictionary<string, string> { ["ETag"] = etag }, ContentType: "application/zip") { Bytes = archive });
        await using var hook = new LoopbackHttpServer(_ => new HttpReply(200));
        var config = folder.File("pipewatch.yml");
        File.WriteAllText(config, $"""
            serve:
              vulndb-url: {osv.Url}/
              vulndb-ecosystems: [npm]
              vulndb-interval: 1h
            alerts:
              routes:
                - name: soc
                  sink: webhook
                  url: {hook.Url}/pipewatch
            """);

        await using (var process = await ServeProcess.StartAsync(folder, "--config", config))
        {
            await process.WaitForSaidAsync("inventory re-matched");
            Assert.Contains("pipewatch serve: advisories updated (1 archive, 1 changed); inventory re-matched: 1 new finding, 0 closed", process.Said, StringComparison.Ordinal);
            await hook.WaitForAsync(1, 60);
            // A second alert, if any, would be on its way by now (the route sends at once).
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            await process.StopAsync();
        }

        var sent = Assert.Single(hook.Requests);
        Assert.Equal(("POST", "/pipewatch"), (sent.Method, sent.Path));
        using (var json = sent.Json())
        {
            var alert = Assert.Single(json.RootElement.GetProperty("alerts").EnumerateArray());
            var finding = alert.GetProperty("finding");
            Assert.Equal("GHSA-p6mc-m468-83gw (CVE-2020-8203) affects lodash 4.17.11 and 2 more in 3 places", finding.GetProperty("title").GetString());
            Assert.Equal(PipeWatch.Findings.Categories.KnownVulnerability, finding.GetProperty("category").GetString());
            var evidence = finding.GetProperty("evidence").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString());
            Assert.Equal("image registry.example.com/acme/web:1.4; repository acme/api; repository acme/jobs", evidence["places"]);
            Assert.Equal("lodash 4.17.11, lodash 4.17.15, lodash 4.17.19", evidence["packages"]);
            Assert.Equal(Scalar(folder, "SELECT fingerprint FROM findings"), finding.GetProperty("fingerprint").GetString());
        }

        Assert.Equal(0L, Scalar(folder, "SELECT count(*) FROM alert_outbox"));
        Assert.Equal(1L, Scalar(folder, "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'"));

        // The same advisory again: downloaded and imported as changed, re-matched, and nothing new to say.
        archive = Zip(record.Replace("\"modified\": \"2022-02-08T22:04:28Z\"", "\"modified\": \"2022-03-01T09:00:00Z\"", StringComparison.Ordinal));
        etag = "\"npm-2\"";
        await using (var process = await ServeProcess.StartAsync(folder, "--config", config))
        {
            await process.WaitForSaidAsync("inventory re-matched");
            Assert.Contains("pipewatch serve: advisories updated (1 archive, 1 changed); inventory re-matched: 0 new findings, 0 closed", process.Said, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            await process.StopAsync();
        }

        Assert.Equal(["GET /npm/all.zip", "GET /npm/all.zip"], osv.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Single(hook.Requests);
        Assert.Equal(1L, Scalar(folder, "SELECT count(*) FROM findings"));
        Assert.Equal(0L, Scalar(folder, "SELECT count(*) FROM alert_outbox"));
    }

    private static object? Scalar(TempFolder folder, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={folder.File("pipewatch.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static byte[] Zip(string record)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry("GHSA-p6mc-m468-83gw.json").Open();
            stream.Write(Encoding.UTF8.GetBytes(record));
        }

        return buffer.ToArray();
    }
}
