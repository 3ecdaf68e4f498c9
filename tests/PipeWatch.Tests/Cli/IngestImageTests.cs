using System.Text.Json;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Images;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch ingest --image</c> end to end: a <c>docker save</c> archive built from the corpus, the published advisories imported with <c>vulndb import</c>.</summary>
public sealed class IngestImageTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public IngestImageTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Ingest_image_reports_the_vulnerable_package_of_a_docker_save_archive_and_gates()
    {
        TestImages.WriteDockerSave(_temp.File("app.tar"), [ImageReaderTests.BaseLayer(), ImageReaderTests.BuildLayer()], "app:1.4");
        Assert.Equal(0, (await _cli.RunAsync("vulndb", "import", Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Dependencies", "Images", "Advisories", "DEBIAN-CVE-2024-28085.json"), "--store", "pw.db")).ExitCode);

        var result = await _cli.RunAsync("ingest", "--image", "app.tar", "--store", "pw.db", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        var finding = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal(
            ("dependency.known-vulnerability", "util-linux-extra (source util-linux@2.38.1-5) is affected by DEBIAN-CVE-2024-28085 (CVE-2024-28085)"),
            (finding.GetProperty("category").GetString(), finding.GetProperty("title").GetString()));
        Assert.Equal("ingested 1 file: 1 events (0 seen before), 1 new finding, 0 problems", Assert.Single(result.ErrorLines));

        // The image is a place of the inventory: its packages with the file that lists them and the layer that installed them.
        using var store = SqliteStore.Open(_temp.File("pw.db"));
        var entries = store.Entries().ToList();
        Assert.All(entries, e => Assert.Equal(new InventoryPlace(PlaceKind.Image, _temp.File("app.tar")), e.Place));
        var utilLinux = entries.Where(e => e.Item.Name == "util-linux").ToList();
        Assert.NotEmpty(utilLinux);
        Assert.All(utilLinux, e => Assert.Equal(("Debian:12", "2.38.1-5", "/var/lib/dpkg/status"), (e.Item.Ecosystem, e.Item.Version, e.Item.Path)));
        Assert.All(utilLinux, e => Assert.StartsWith("sha256:", e.Item.Layer, StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Item.Ecosystem == "npm");
    }

    [Fact]
    public async Task A_missing_image_is_a_usage_error_naming_it()
    {
        var result = await _cli.RunAsync("ingest", "--image", "missing.tar", "--store", "pw.db");

        Assert.Equal((2, "pipewatch: --image missing.tar: no such file or folder"), (result.ExitCode, result.Error.Trim()));
    }
}
