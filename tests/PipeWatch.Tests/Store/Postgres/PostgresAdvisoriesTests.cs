using System.IO.Compression;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Store;
using PipeWatch.Store.Postgres;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Server;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Store.Postgres;

/// <summary>
/// The advisory index on PostgreSQL: the same published advisories imported into SQLite and into a real PostgreSQL give the same
/// listing, the same changes and the same vulnerable-dependency findings for the same lockfiles, before and after a refresh.
/// </summary>
[Collection(PostgresServer.Collection)]
public sealed class PostgresAdvisoriesTests(PostgresServer server) : IDisposable
{
    private const string Lodash = "GHSA-p6mc-m468-83gw";
    private const string LiteDb = "GHSA-3x49-g6rc-c284";
    private const string Newtonsoft = "GHSA-5crp-9r3c-p9vr";

    private static readonly string Npm = Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson");
    private static readonly string DotNet = Corpus.File("lockfiles", "osv-scalibr", "dotnet");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_same_import_gives_the_same_listing_and_findings_on_PostgreSQL_as_on_SQLite_and_a_refresh_re_matches_the_same_way()
    {
        using var stores = await StorePair.OpenAsync(server);
        var (sqlite, postgres) = (stores.Sqlite, stores.Postgres);
        var lockfiles = Lockfiles();
        var first = Directory.GetFiles(OsvFiles.Fixtures, "*.json").Where(f => !f.EndsWith(Newtonsoft + ".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

        var onSqlite = Import(sqlite, first);
        var onPostgres = Import(postgres, first);

        Assert.Equal((4, 0), (onSqlite.Imported, onSqlite.Withdrawn));
        Assert.Equal(Imported(onSqlite), Imported(onPostgres));
        Assert.Equal(4, onPostgres.Changes.Count(c => c.Kind == AdvisoryChangeKind.Added));
        Assert.Equal(Listed(sqlite.AdvisoryEcosystems()), Listed(postgres.AdvisoryEcosystems()));
        Assert.Contains("npm: 2 packages, 1 advisory", Listed(postgres.AdvisoryEcosystems()));
        Assert.Equal((sqlite.AdvisoryCount(), sqlite.AdvisoryState()), (postgres.AdvisoryCount(), postgres.AdvisoryState()));

        var before = await IngestInto.FindingsAsync(postgres, lockfiles);
        Assert.Equal(
            ["dependency.known-vulnerability lodash 1.3.1 " + Lodash, "dependency.known-vulnerability LiteDB 5.0.12 " + LiteDb],
            before.Select(f => $"{f.Category} {Evidence(f, "package")} {Evidence(f, "version")} {Evidence(f, "advisory")}").Order(StringComparer.Ordinal).Reverse());
        Assert.Equal(IngestInto.Described(await IngestInto.FindingsAsync(sqlite, lockfiles)), IngestInto.Described(before));

        // The refresh: lodash's record changed (a new summary, the newest date: what changes the store's advisory state), Newtonsoft.Json's added, LiteDB's withdrawn, tj-actions' as it was.
        var lodash = OsvFiles.Fixture(Lodash);
        Advisory[] refresh =
        [
            lodash with { Summary = "Prototype Pollution in lodash (revised)", Modified = Ingest.Now.AddDays(-1) },
            OsvFiles.Fixture(Newtonsoft),
            OsvFiles.Fixture(LiteDb) with { Withdrawn = true },
            OsvFiles.Fixture("GHSA-mrrh-fwg8-r2c3"),
        ];
        var refreshedSqlite = sqlite.ImportAdvisories(refresh, TestContext.Current.CancellationToken);
        var refreshedPostgres = postgres.ImportAdvisories(refresh, TestContext.Current.CancellationToken);

        Assert.Equal(
            [$"{Lodash} Changed npm/lodash npm/lodash-es", $"{Newtonsoft} Added NuGet/newtonsoft.json", $"{LiteDb} Withdrawn "],
            Imported(refreshedPostgres).Skip(1));
        Assert.Equal(Imported(refreshedSqlite), Imported(refreshedPostgres));
        Assert.Equal(Listed(sqlite.AdvisoryEcosystems()), Listed(postgres.AdvisoryEcosystems()));
        Assert.Equal((sqlite.AdvisoryCount(), sqlite.AdvisoryState()), (postgres.AdvisoryCount(), postgres.AdvisoryState()));

        var after = await IngestInto.FindingsAsync(postgres, lockfiles);
        Assert.Equal(IngestInto.Described(await IngestInto.FindingsAsync(sqlite, lockfiles)), IngestInto.Described(after));
        // The lockfiles are read again against the new index: Newtonsoft.Json's finding is new; lodash's was reported already.
        Assert.Equal($"Newtonsoft.Json@12.0.3 is affected by {Newtonsoft}", Assert.Single(after).Title);

        // The index itself, package by package, as the matcher asks it.
        using var sqliteIndex = sqlite.OpenAdvisoryIndex();
        using var postgresIndex = postgres.OpenAdvisoryIndex();
        Assert.Equal("Prototype Pollution in lodash (revised)", postgresIndex.Advisory(Lodash)?.Summary);
        foreach (var (ecosystem, name) in new[] { ("npm", "lodash"), ("NuGet", "Newtonsoft.Json"), ("NuGet", "LiteDB"), ("GitHub Actions", "tj-actions/changed-files"), ("npm", "left-pad") })
        {
            Assert.Equal(Entries(sqliteIndex, ecosystem, name), Entries(postgresIndex, ecosystem, name));
        }

        Assert.Empty(postgresIndex.For("npm", "left-pad"));
        Assert.Null(postgresIndex.Advisory(LiteDb));
    }

    [Fact]
    public async Task Serve_on_PostgreSQL_runs_its_scheduled_advisory_update_into_the_shared_store()
    {
        var archive = Zip(File.ReadAllText(Path.Combine(OsvFiles.Fixtures, Lodash + ".json")));
        await using var osv = new LoopbackHttpServer(request => request.Path == "/npm/all.zip"
            ? new HttpReply(200, Headers: new Dictionary<string, string> { ["ETag"] = "\"npm-1\"" }, ContentType: "application/zip") { Bytes = archive }
            : new HttpReply(404));
        using var folder = new TempFolder();
        var store = await server.NewStoreAsync();
        var text = new StringWriter();
        var output = TextWriter.Synchronized(text);

        await using (await RunningServer.StartAsync($"serve:\n  vulndb-url: {osv.Url}/\n  vulndb-ecosystems: [npm]\n  vulndb-interval: 1h\n", folder: folder, output: output, store: store))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Said(text).Contains("advisories updated", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Contains("pipewatch serve: advisories updated (1 archive, 1 changed); inventory re-matched: 0 new findings, 0 closed\n", Said(text).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(["GET /npm/all.zip"], osv.Requests.Select(r => $"{r.Method} {r.Path}"));
        using var check = (PostgresStore)StoreFactory.Open(store);
        Assert.Equal(["npm: 2 packages, 1 advisory"], Listed(check.AdvisoryEcosystems()));
        using var index = check.OpenAdvisoryIndex();
        Assert.Equal(Lodash, Assert.Single(index.For("npm", "lodash")).AdvisoryId);
        // The archive is kept in serve's own data folder, for the next round's ETag.
        Assert.Equal(["npm.validators.json", "npm.zip"], Directory.GetFiles(Path.Combine(folder.File("serve"), "osv")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private AdvisoryImportResult Import(IAdvisoryStore store, IEnumerable<string> files)
    {
        var problems = new ProblemLog();
        var result = store.ImportAdvisories(files.SelectMany(f => OsvArchive.Read(f, problems)), TestContext.Current.CancellationToken);
        Assert.Empty(problems.Problems);
        return result;
    }

    /// <summary>A lockfile with lodash 1.3.1 (GHSA-p6mc), a project with LiteDB 5.0.12 (GHSA-3x49) and one with Newtonsoft.Json 12.0.3 (GHSA-5crp).</summary>
    private string[] Lockfiles()
    {
        var lockfile = _temp.File("package-lock.json");
        File.Copy(Path.Combine(Npm, "files.v1.json"), lockfile);
        var liteDb = _temp.File("App.csproj");
        File.Copy(Path.Combine(DotNet, "csproj", "valid"), liteDb);
        var newtonsoft = _temp.File("Api.csproj");
        File.WriteAllText(newtonsoft, """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <PackageReference Include="Newtonsoft.Json" Version="12.0.3" />
              </ItemGroup>
            </Project>
            """);
        return [lockfile, liteDb, newtonsoft];
    }

    private static string Evidence(Finding f, string name) => f.Evidence.Single(e => e.Name == name).Value;

    private static string[] Imported(AdvisoryImportResult result) =>
        [$"{result.Imported} imported, {result.Withdrawn} withdrawn, {result.Packages} packages", .. result.Changes.Select(c => $"{c.Id} {c.Kind} {string.Join(' ', c.Packages.Select(p => $"{p.Item1}/{p.Item2}"))}")];

    private static string[] Listed(IEnumerable<AdvisoryEcosystem> rows) =>
        [.. rows.Select(r => $"{r.Ecosystem}: {r.Packages} package{(r.Packages == 1 ? "" : "s")}, {r.Advisories} advisor{(r.Advisories == 1 ? "y" : "ies")}")];

    private static string[] Entries(IAdvisoryIndex index, string ecosystem, string name) =>
        [.. index.For(ecosystem, name).Select(p => $"{p.AdvisoryId} {CompactAffected.Write(p.Affected)} {index.Advisory(p.AdvisoryId)?.Summary}")];

    private static string Said(StringWriter text)
    {
        lock (text) return text.ToString();
    }

    private static byte[] Zip(string record)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry(Lodash + ".json").Open();
            stream.Write(System.Text.Encoding.UTF8.GetBytes(record));
        }

        return buffer.ToArray();
    }
}
