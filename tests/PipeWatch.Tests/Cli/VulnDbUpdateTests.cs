using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Detectors.Dependencies;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// <c>vulndb update</c> against a loopback HTTP server that serves two OSV ecosystem archives with ETags, as OSV's bucket
/// does: the first run downloads and imports both, a second run downloads nothing; scan then matches without a findings store.
/// </summary>
public sealed class VulnDbUpdateTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public VulnDbUpdateTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Update_downloads_two_archives_once_and_a_second_run_downloads_nothing()
    {
        using var server = new ArchiveServer(new Dictionary<string, byte[]>
        {
            ["/npm/all.zip"] = Zip("npm"),
            ["/NuGet/all.zip"] = Zip("NuGet"),
        });

        var first = await _cli.RunAsync("vulndb", "update", "--db", "cache/advisories.db", "--base-url", server.BaseUrl, "--ecosystem", "npm", "--ecosystem", "NuGet");
        var second = await _cli.RunAsync("vulndb", "update", "--db", "cache/advisories.db", "--base-url", server.BaseUrl, "--ecosystem", "npm", "--ecosystem", "NuGet");
        var list = await _cli.RunAsync("vulndb", "list", "--db", "cache/advisories.db");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(
            ["GET /npm/all.zip 200", "GET /NuGet/all.zip 200", "GET /npm/all.zip (If-None-Match \"npm-1\") 304", "GET /NuGet/all.zip (If-None-Match \"NuGet-1\") 304"],
            server.Requests);
        Assert.Matches(@"^npm: downloaded \d+\.\d KB$", first.ErrorLines[0]);
        Assert.Equal("updated cache/advisories.db: 2 of 2 archives changed, 3 advisories imported, 3 in the database", first.ErrorLines[^1]);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(["npm: unchanged", "NuGet: unchanged", "updated cache/advisories.db: 0 of 2 archives changed, 0 advisories imported, 3 in the database"], second.ErrorLines);
        Assert.Equal(["NuGet\t2 packages\t2 advisories", "npm\t2 packages\t1 advisory"], list.OutputLines);
    }

    [Fact]
    public async Task Scan_matches_against_the_advisory_database_without_a_findings_store()
    {
        using var server = new ArchiveServer(new Dictionary<string, byte[]> { ["/npm/all.zip"] = Zip("npm") });
        await _cli.RunAsync("vulndb", "update", "--db", "advisories.db", "--base-url", server.BaseUrl, "--ecosystem", "npm");
        using var repo = new TestRepository();
        repo.Write("package.json", CommitHistory.PackageJson("lodash")).Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("lodash", "4.17.15", Direct: true)));
        repo.Commit("add lodash");

        var scan = await _cli.RunAsync("scan", repo.Path, "--vulndb", "advisories.db", "--format", "json");
        var without = await _cli.RunAsync("scan", repo.Path, "--format", "json");

        Assert.Equal(1, scan.ExitCode);
        var finding = Assert.Single(scan.OutputLines.Select(l => JsonDocument.Parse(l).RootElement), f => f.GetProperty("category").GetString() == "dependency.known-vulnerability");
        Assert.Equal("lodash@4.17.15 is affected by GHSA-p6mc-m468-83gw (CVE-2020-8203)", finding.GetProperty("title").GetString());
        Assert.DoesNotContain("dependency.known-vulnerability", without.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File(".pipewatch")));
    }

    [Fact]
    public async Task A_server_error_is_reported_per_archive_and_all_failing_is_a_usage_error()
    {
        using var server = new ArchiveServer(new Dictionary<string, byte[]>());

        var result = await _cli.RunAsync("vulndb", "update", "--db", "advisories.db", "--base-url", server.BaseUrl, "--ecosystem", "npm");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"pipewatch: {server.BaseUrl}npm/all.zip: HTTP 404 Not Found", result.ErrorLines[0]);
    }

    [Fact]
    public async Task Status_names_the_database_its_advisories_and_archives()
    {
        using var server = new ArchiveServer(new Dictionary<string, byte[]> { ["/npm/all.zip"] = Zip("npm") });
        await _cli.RunAsync("vulndb", "update", "--db", "db/advisories.db", "--base-url", server.BaseUrl, "--ecosystem", "npm");

        var status = await _cli.RunAsync("vulndb", "status", "--db", "db/advisories.db");

        Assert.Equal("database: db/advisories.db", status.OutputLines[0]);
        Assert.Equal("advisories: 1", status.OutputLines[1]);
        Assert.Matches(@"^archive npm: \d+\.\d KB, downloaded \d{4}-\d\d-\d\d \d\d:\d\d UTC$", status.OutputLines[2]);
    }

    /// <summary>An OSV-style all.zip of the fixture records of <paramref name="ecosystem"/>.</summary>
    private static byte[] Zip(string ecosystem)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.GetFiles(OsvFiles.Fixtures, "*.json").Order(StringComparer.Ordinal))
            {
                if (!File.ReadAllText(file).Contains($"\"ecosystem\": \"{ecosystem}\"", StringComparison.Ordinal)) continue;
                var entry = zip.CreateEntry(Path.GetFileName(file));
                using var stream = entry.Open();
                stream.Write(File.ReadAllBytes(file));
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Serves archives on loopback with an ETag per path (<c>"&lt;ecosystem&gt;-1"</c>), answering 304 to a matching If-None-Match.</summary>
    private sealed class ArchiveServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, byte[]> _archives;
        private readonly Task _loop;

        public ArchiveServer(Dictionary<string, byte[]> archives)
        {
            _archives = archives;
            // A free port found by a probe can be taken by another test before the listener binds it: try a few.
            for (var attempt = 1; ; attempt++)
            {
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                var port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                BaseUrl = $"http://127.0.0.1:{port}/";
                _listener.Prefixes.Add(BaseUrl);
                try
                {
                    _listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 10)
                {
                    _listener.Close();
                    _listener = new HttpListener();
                }
            }

            _loop = Task.Run(ServeAsync);
        }

        public string BaseUrl { get; private set; } = "";

        public List<string> Requests { get; } = [];

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var path = context.Request.Url!.AbsolutePath;
                var condition = context.Request.Headers["If-None-Match"];
                var etag = $"\"{path.Split('/')[1]}-1\"";
                int status;
                if (!_archives.TryGetValue(path, out var body)) status = 404;
                else if (condition == etag) status = 304;
                else status = 200;
                lock (Requests) Requests.Add($"{context.Request.HttpMethod} {path}{(condition is null ? "" : $" (If-None-Match {condition})")} {status}");
                context.Response.StatusCode = status;
                if (status != 404) context.Response.Headers["ETag"] = etag;
                if (status == 200)
                {
                    context.Response.ContentLength64 = body!.Length;
                    await context.Response.OutputStream.WriteAsync(body);
                }

                context.Response.Close();
            }
        }

        public void Dispose()
        {
            // Close alone: after Stop has let go of the port, Close looks its endpoint up again and binds the port anew to remove
            // the prefix, which fails ("Address already in use") once another test has taken the port in between.
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
