using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Findings;
using PipeWatch.Sources.Images;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Dependencies.Images;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Images;

/// <summary><c>ingest --image</c>: images built from the corpus's package databases, real Debian and Alpine OSV records in a real store, the findings exact.</summary>
public sealed class ImageIngestTests : IDisposable
{
    private static readonly string Apk = Corpus.File("os-packages", "osv-scalibr", "apk", "testdata", "installed");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_debian_image_reports_the_package_whose_source_version_the_advisory_covers_with_its_layer()
    {
        var store = Store(Distribution("DEBIAN-CVE-2024-28085"), Distribution("ALPINE-CVE-2023-2650"), OsvFiles.Fixture("GHSA-p6mc-m468-83gw"));
        var debian = ImageReaderTests.BaseLayer();
        var layout = Path.Combine(_temp.Path, "app");
        TestImages.WriteOciLayout(layout, [debian, ImageReaderTests.BuildLayer()], "app:1.4");
        var baseLayout = Path.Combine(_temp.Path, "base");
        TestImages.WriteOciLayout(baseLayout, [debian], "debian:12");

        var result = await Ingest.RunSourcesAsync(store, [new ImageSource(layout, null, baseLayout)]);

        Assert.Empty(result.Problems);
        // util-linux-extra 2.38.1-5+b1 is built from util-linux 2.38.1-5, below bookworm's fix 2.38.1-5+deb12u1; lodash 4.17.20 is the fixed version.
        var finding = Assert.Single(result.Findings);
        Assert.Equal(
            (Categories.KnownVulnerability, "util-linux-extra (source util-linux@2.38.1-5) is affected by DEBIAN-CVE-2024-28085 (CVE-2024-28085)", layout),
            (finding.Category, finding.Title, finding.Location.File));
        Assert.Equal(
            [
                "ecosystem=Debian:12", "package=util-linux", "version=2.38.1-5", "direct=false", "installed_package=util-linux-extra",
                $"layer={TestImages.Digest(TestImages.Gzip(debian))}", "layer_origin=base image", "installed_from=/var/lib/dpkg/status",
                "advisory=DEBIAN-CVE-2024-28085", "aliases=CVE-2024-28085", "fixed_in=2.38.1-5+deb12u1", "path=util-linux",
            ],
            finding.Evidence.Select(e => $"{e.Name}={e.Value}"));
        Assert.StartsWith($"{layout} has Debian:12 package util-linux-extra installed (/var/lib/dpkg/status, layer sha256:", finding.Explanation);
    }

    [Fact]
    public async Task An_alpine_image_reports_both_binaries_of_the_affected_origin_and_nothing_else()
    {
        var store = Store(Distribution("DEBIAN-CVE-2024-28085"), Distribution("ALPINE-CVE-2023-2650"));
        var layout = Path.Combine(_temp.Path, "alpine");
        TestImages.WriteOciLayout(layout, [TestImages.Tar(
        [
            LayerEntry.File("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME=\"Alpine Linux v3.18\"\n"),
            LayerEntry.File("lib/apk/db/installed", File.ReadAllBytes(Apk)),
        ])], "alpine:3.18");

        var result = await Ingest.RunSourcesAsync(store, [new ImageSource(layout)]);

        Assert.Empty(result.Problems);
        Assert.Equal(
            [
                "libcrypto3 (source openssl@3.1.0-r4) is affected by ALPINE-CVE-2023-2650 (CVE-2023-2650)",
                "libssl3 (source openssl@3.1.0-r4) is affected by ALPINE-CVE-2023-2650 (CVE-2023-2650)",
            ],
            result.Findings.Select(f => f.Title).Order(StringComparer.Ordinal));
        Assert.All(result.Findings, f => Assert.Equal("3.1.1-r0", f.Evidence.Single(e => e.Name == "fixed_in").Value));
        Assert.DoesNotContain(result.Findings.SelectMany(f => f.Evidence), e => e.Name == "layer_origin");

        // The same image again against the same advisories: nothing new.
        var again = await Ingest.RunSourcesAsync(store, [new ImageSource(layout)]);
        Assert.Equal((1, 0), (again.Summary.Duplicates, again.Findings.Count));
    }

    [Theory]
    [InlineData("Debian:12", "util-linux", "2.38.1-5", "DEBIAN-CVE-2024-28085")]
    [InlineData("Debian:12", "util-linux", "2.38.1-5+deb12u1", null)]
    [InlineData("Debian:12", "util-linux", "2.38.1-5+deb12u3", null)]
    [InlineData("Debian:11", "util-linux", "2.36.1-8+deb11u1", "DEBIAN-CVE-2024-28085")]
    [InlineData("Debian:11", "util-linux", "2.36.1-8+deb11u2", null)]
    [InlineData("Debian:13", "util-linux", "2.39.3-10", "DEBIAN-CVE-2024-28085")]
    [InlineData("Debian:13", "util-linux", "2.39.3-11", null)]
    [InlineData("Debian:10", "util-linux", "2.33.1-0.1", null)]
    [InlineData("Debian", "util-linux", "2.38.1-5", null)]
    [InlineData("Ubuntu:22.04:LTS", "util-linux", "2.37.2-4ubuntu3", null)]
    [InlineData("Alpine:v3.18", "openssl", "3.1.0-r4", "ALPINE-CVE-2023-2650")]
    [InlineData("Alpine:v3.18", "openssl", "3.1.1-r0", null)]
    [InlineData("Alpine:v3.18", "openssl", "3.1.4-r5", null)]
    [InlineData("Alpine:v3.17", "openssl", "3.0.8-r4", "ALPINE-CVE-2023-2650")]
    [InlineData("Alpine:v3.17", "openssl", "3.0.9-r0", null)]
    [InlineData("Alpine:v3.19", "openssl", "3.1.0-r4", null)]
    public void A_distribution_advisory_matches_exactly_the_affected_versions_of_its_own_releases(string ecosystem, string name, string version, string? expected)
    {
        using var index = new InMemoryAdvisoryIndex([Distribution("DEBIAN-CVE-2024-28085"), Distribution("ALPINE-CVE-2023-2650")]);

        var matches = VulnerabilityMatcher.Match([new Dependency(ecosystem, name, version, false, DependencySource.Unknown)], index);

        Assert.Equal(expected is null ? [] : [expected], matches.Select(m => m.Advisory.Id));
    }

    private static Advisory Distribution(string id) =>
        OsvFiles.Read(Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Dependencies", "Images", "Advisories", id + ".json"));

    private string Store(params Advisory[] advisories)
    {
        var path = _temp.File("store.db");
        using var store = SqliteStore.Open(path);
        store.ImportAdvisories(advisories, CancellationToken.None);
        return path;
    }
}
