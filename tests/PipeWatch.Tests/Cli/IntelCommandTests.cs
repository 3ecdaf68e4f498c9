using System.Net;
using System.Net.Sockets;
using System.Text;
using PipeWatch.Intel;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Intel;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

public sealed class IntelCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private CliRunner Cli => new(_temp.Path);

    private string Store => _temp.File("store.db");

    [Fact]
    public async Task Import_prints_counts_per_file_and_a_second_import_updates_instead_of_duplicating()
    {
        var first = await Cli.RunAsync("intel", "import", "--store", Store, Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"), IntelFixtures.File("blocklist.txt"));

        Assert.Equal(0, first.ExitCode);
        Assert.Contains(first.ErrorLines, l => l.EndsWith("apt1.json: stix, 10 indicators (3 md5, 3 domain, 4 ip); skipped attack-pattern object ×7, identity object ×4, indicator: no part can be looked up (x509-certificate:issuer, x509-certificate:serial_number) ×2, intrusion-set object ×1, malware object ×6, relationship object ×30, report object ×1, threat-actor object ×5, tool object ×10", StringComparison.Ordinal));
        Assert.Contains(first.ErrorLines, l => l.Contains("blocklist.txt:9: 'this' is not a hash", StringComparison.Ordinal));
        Assert.Equal("imported 17 indicators (17 new, 0 updated), 1 problem", first.ErrorLines[^1]);

        var again = await Cli.RunAsync("intel", "import", "--store", Store, Corpus.File("intel", "stix", "examples", "threat-reports", "apt1.json"));
        Assert.Equal("imported 10 indicators (0 new, 10 updated), 0 problems", again.ErrorLines[^1]);

        var list = await Cli.RunAsync("intel", "list", "--store", Store);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(2, list.OutputLines.Length);
        Assert.StartsWith("apt1.json\tstix\timported 2026-11-27 12:00Z\t3 md5, 3 domain, 4 ip\t0 expired or revoked\t", list.OutputLines[0], StringComparison.Ordinal);
        Assert.StartsWith("blocklist.txt\tlist\t", list.OutputLines[1], StringComparison.Ordinal);

        var removed = await Cli.RunAsync("intel", "remove", "--store", Store, "blocklist.txt");
        Assert.Equal((0, "removed feed 'blocklist.txt' and its 7 indicators"), (removed.ExitCode, removed.ErrorLines[^1]));
        using var store = SqliteStore.Open(Store);
        Assert.Equal(10, store.ReadIndicators().Count());
        Assert.Equal(2, (await Cli.RunAsync("intel", "remove", "--store", Store, "no-such-feed")).ExitCode);
    }

    [Fact]
    public async Task Importing_a_source_again_replaces_its_feed_so_a_withdrawn_indicator_stops_matching()
    {
        File.WriteAllText(_temp.File("c2.txt"), "# our C2 list\nevil-c2.example\nwithdrawn-c2.example\n");
        File.WriteAllText(_temp.File("build.log"), "2026-11-27T12:00:00.0000000Z curl -s https://api.withdrawn-c2.example/beacon\n2026-11-27T12:00:01.0000000Z curl -s https://evil-c2.example/x\n");
        var first = await Cli.RunAsync("intel", "import", "--store", Store, "c2.txt");
        Assert.Equal("imported 2 indicators (2 new, 0 updated), 0 problems", first.ErrorLines[^1]);

        // The feed is published again a day later without one value; a line that cannot be read keeps the next import additive.
        File.WriteAllText(_temp.File("c2.txt"), "# our C2 list\nevil-c2.example\n");
        var later = new CliRunner(_temp.Path) { Now = Ingest.Now.AddDays(1) };
        var again = await later.RunAsync("intel", "import", "--store", Store, "c2.txt");

        Assert.Equal(0, again.ExitCode);
        Assert.Equal("imported 1 indicator (0 new, 1 updated, 1 no longer listed removed), 0 problems", again.ErrorLines[^1]);
        var ingest = await later.RunAsync("ingest", "build.log", "--store", Store, "--format", "json");
        Assert.Contains("evil-c2.example", ingest.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("withdrawn-c2.example", ingest.Output, StringComparison.Ordinal);

        File.WriteAllText(_temp.File("c2.txt"), "# our C2 list\nthis is not an indicator\n");
        var broken = await new CliRunner(_temp.Path) { Now = Ingest.Now.AddDays(2) }.RunAsync("intel", "import", "--store", Store, "c2.txt");
        Assert.EndsWith("1 problem", broken.ErrorLines[^1], StringComparison.Ordinal);
        using var store = SqliteStore.Open(Store);
        Assert.Equal(["evil-c2.example"], store.ReadIndicators().Select(i => i.Value));
    }

    [Fact]
    public async Task A_file_of_nothing_usable_exits_2()
    {
        var bad = _temp.File("bad.json");
        File.WriteAllText(bad, "{\"type\":\"bundle\",\"objects\":[");

        var result = await Cli.RunAsync("intel", "import", "--store", Store, bad);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(result.ErrorLines, l => l.Contains("bad.json:1: invalid JSON at byte", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_taxii_collection_on_a_loopback_server_is_paged_through_with_the_auth_header_and_the_taxii_media_type()
    {
        // Page one: the corpus bundle's C2 address indicator, as a TAXII envelope.
        using var bundle = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Corpus.File("intel", "stix", "examples", "indicators-for-C2-with-COA.json")));
        var ipIndicator = bundle.RootElement.GetProperty("objects").EnumerateArray().First(o => o.GetProperty("id").GetString() == "indicator--53fe3b22-0201-47cf-85d0-97c02164528d").GetRawText();
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var requests = new List<(string Url, string? Accept, string? Auth)>();
        var serving = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var context = await listener.GetContextAsync();
                requests.Add((context.Request.RawUrl!, context.Request.Headers["Accept"], context.Request.Headers["Authorization"]));
                var page = context.Request.QueryString["next"] is null
                    ? """{"more":true,"next":"p2","objects":[""" + ipIndicator + "]}"
                    : """{"more":false,"objects":[{"type":"indicator","spec_version":"2.1","id":"indicator--taxii-2","pattern_type":"stix","pattern":"[domain-name:value = 'c2.taxii.example']","valid_from":"2026-01-01T00:00:00Z"}]}""";
                var body = Encoding.UTF8.GetBytes(page);
                context.Response.ContentType = "application/taxii+json;version=2.1";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }, TestContext.Current.CancellationToken);

        var url = $"http://127.0.0.1:{port}/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/?added_after=2026-01-01T00:00:00Z";
        var result = await Cli.RunAsync("intel", "import", "--store", Store, "--feed", "taxii-c2", "--header", "Authorization: Basic dXNlcjpzZWNyZXQ=", url);
        Assert.Equal((0, 2), (result.ExitCode, requests.Count));
        await serving.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(("application/taxii+json; version=2.1", "Basic dXNlcjpzZWNyZXQ="), (r.Accept, r.Auth)));
        Assert.EndsWith("&next=p2", requests[1].Url, StringComparison.Ordinal);
        Assert.DoesNotContain("dXNlcjpzZWNyZXQ", result.Error, StringComparison.Ordinal);
        using var store = SqliteStore.Open(Store);
        Assert.Equal(
            [("taxii-c2", IndicatorKind.Ip, "10.0.0.0"), ("taxii-c2", IndicatorKind.Domain, "c2.taxii.example")],
            store.ReadIndicators().Select(i => (i.Feed, i.Kind, i.Value)).OrderBy(i => i.Value, StringComparer.Ordinal));
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
