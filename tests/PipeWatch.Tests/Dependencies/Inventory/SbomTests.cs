using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Inventory;

/// <summary>
/// <c>inventory import</c> of SBOMs made by syft, Trivy and GitHub's dependency graph (fixtures written from their documented
/// shapes), and <c>inventory export</c> as CycloneDX 1.6 and SPDX 2.3, validated against the published JSON schemas (Schemas/).
/// </summary>
public sealed partial class SbomTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Dependencies", "Inventory", "Fixtures");
    private static readonly string Schemas = Path.Combine(AppContext.BaseDirectory, "Dependencies", "Inventory", "Schemas");
    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public SbomTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Sboms_of_syft_trivy_and_github_become_the_inventory_of_the_places_they_describe()
    {
        var result = await _cli.RunAsync("inventory", "import", "--store", "store.db",
            Fixture("syft-image.cdx.json"), Fixture("trivy-image.cdx.json"), Fixture("github-dependency-graph.spdx.json"), Fixture("syft-dir.spdx.json"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [
                $"{Fixture("syft-image.cdx.json")}: cyclonedx, 2 packages of image registry.example.com/shop/api@sha256:8a2f9d0b6c41e1f5d1f0bb52a0f0e4c5d7d1e2a3b4c5d6e7f8091a2b3c4d5e6f (1 without a known ecosystem left out)",
                $"{Fixture("trivy-image.cdx.json")}: cyclonedx, 2 packages of image alpine:3.19 (1 without a known ecosystem left out)",
                $"{Fixture("github-dependency-graph.spdx.json")}: spdx, 3 packages of repository acme/shop",
                $"{Fixture("syft-dir.spdx.json")}: spdx, 2 packages of repository /home/dana/src/billing",
            ],
            result.ErrorLines);
        using var store = SqliteStore.Open(_temp.File("store.db"));
        Assert.Equal(
            [
                "image alpine:3.19 | Alpine:v3.19 busybox 1.36.1-r15 | trivy-image.cdx.json | sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820",
                "image alpine:3.19 | Alpine:v3.19 musl 1.2.4_git20230717-r4 | trivy-image.cdx.json | sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820",
                "image registry.example.com/shop/api@sha256:8a2f9d0b6c41e1f5d1f0bb52a0f0e4c5d7d1e2a3b4c5d6e7f8091a2b3c4d5e6f | Debian:12 libssl3 3.0.15-1~deb12u1 | var/lib/dpkg/status | sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
                "image registry.example.com/shop/api@sha256:8a2f9d0b6c41e1f5d1f0bb52a0f0e4c5d7d1e2a3b4c5d6e7f8091a2b3c4d5e6f | npm express 4.21.2 | app/node_modules/express/package.json | sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0",
                "repository /home/dana/src/billing | PyPI jinja2 3.1.4 | syft-dir.spdx.json | ",
                "repository /home/dana/src/billing | PyPI requests 2.31.0 | syft-dir.spdx.json | ",
                "repository acme/shop | GitHub Actions actions/checkout 4.*.* | github-dependency-graph.spdx.json | ",
                "repository acme/shop | npm @babel/core 7.26.0 | github-dependency-graph.spdx.json | ",
                "repository acme/shop | npm lodash 4.17.15 | github-dependency-graph.spdx.json | ",
            ],
            store.Entries().Select(e => $"{e.Place} | {e.Item.Ecosystem} {e.Item.Name} {e.Item.Version} | {e.Item.Path} | {e.Item.Layer}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_sbom_imported_again_replaces_the_place_and_a_file_that_is_no_sbom_is_refused_by_name()
    {
        await _cli.RunAsync("inventory", "import", "--store", "store.db", Fixture("github-dependency-graph.spdx.json"));
        File.WriteAllText(_temp.File("smaller.json"), File.ReadAllText(Path.Combine(Fixtures, "github-dependency-graph.spdx.json")).Replace("pkg:npm/lodash@4.17.15", "pkg:npm/lodash@4.17.21", StringComparison.Ordinal));
        File.WriteAllText(_temp.File("not.json"), "{\"hello\": 1}");

        var again = await _cli.RunAsync("inventory", "import", "--store", "store.db", "smaller.json");
        var refused = await _cli.RunAsync("inventory", "import", "--store", "store.db", "not.json");

        Assert.Equal(0, again.ExitCode);
        using (var store = SqliteStore.Open(_temp.File("store.db")))
        {
            Assert.Equal(["@babel/core 7.26.0", "actions/checkout 4.*.*", "lodash 4.17.21"], store.Entries().Select(e => $"{e.Item.Name} {e.Item.Version}").Order(StringComparer.Ordinal));
        }

        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"pipewatch: {_temp.File("not.json")}: not an SBOM PipeWatch reads (CycloneDX JSON with bomFormat, SPDX 2.x JSON with spdxVersion, or a Trivy JSON report)", refused.ErrorLines[0]);
    }

    [Fact]
    public async Task The_inventory_exported_as_CycloneDX_1_6_is_valid_against_its_published_schema()
    {
        await ImportAllAsync();

        var export = await _cli.RunAsync("inventory", "export", "--store", "store.db", "--format", "cyclonedx", "--output", "bom.json");

        Assert.Equal(0, export.ExitCode);
        Assert.Equal("wrote 9 packages of 4 places to bom.json", export.ErrorLines[^1]);
        var bom = JsonNode.Parse(File.ReadAllText(_temp.File("bom.json")))!;
        var options = new BuildOptions();
        foreach (var dependency in new[] { "spdx.schema.json", "jsf-0.82.schema.json" })
        {
            options.SchemaRegistry.Register(JsonSchema.FromFile(Path.Combine(Schemas, dependency), new BuildOptions()));
        }

        var schema = JsonSchema.FromFile(Path.Combine(Schemas, "bom-1.6.schema.json"), options);
        var result = schema.Evaluate(JsonDocument.Parse(bom.ToJsonString()).RootElement, Strict);
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        var image = bom["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "alpine:3.19")!;
        Assert.Equal("container", image["type"]!.GetValue<string>());
        Assert.Equal(
            ["pkg:apk/alpine/busybox@1.36.1-r15?distro=3.19", "pkg:apk/alpine/musl@1.2.4_git20230717-r4?distro=3.19"],
            image["components"]!.AsArray().Select(c => c!["purl"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        // bom-refs are unique in a BOM (the schema cannot say so).
        var refs = Refs(bom).ToList();
        Assert.Equal(refs.Count, refs.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task The_inventory_exported_as_SPDX_2_3_is_valid_against_its_published_schema_and_its_ids_hold_together()
    {
        await ImportAllAsync();

        var export = await _cli.RunAsync("inventory", "export", "--store", "store.db", "--format", "spdx", "--output", "sbom.spdx.json");

        Assert.Equal(0, export.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(_temp.File("sbom.spdx.json")));
        var schema = JsonSchema.FromFile(Path.Combine(Schemas, "spdx-2.3.schema.json"), new BuildOptions());
        var result = schema.Evaluate(document.RootElement, Strict);
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        // What the SPDX 2.3 specification requires and its JSON schema does not check: SPDXRef- ids of letters, digits, '.' and '-',
        // unique; relationships between ids the document has; 'created' as YYYY-MM-DDThh:mm:ssZ.
        var root = document.RootElement;
        var ids = root.GetProperty("packages").EnumerateArray().Select(p => p.GetProperty("SPDXID").GetString()!).ToList();
        Assert.All(ids, id => Assert.Matches(SpdxId(), id));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(13, ids.Count);
        Assert.All(root.GetProperty("relationships").EnumerateArray(), r =>
        {
            Assert.Contains(r.GetProperty("spdxElementId").GetString(), ids.Append("SPDXRef-DOCUMENT"));
            Assert.Contains(r.GetProperty("relatedSpdxElement").GetString(), ids);
        });
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", root.GetProperty("creationInfo").GetProperty("created").GetString());
        Assert.Contains(root.GetProperty("packages").EnumerateArray(), p => p.TryGetProperty("externalRefs", out var r) && r[0].GetProperty("referenceLocator").GetString() == "pkg:npm/%40babel/core@7.26.0");
    }

    private async Task ImportAllAsync()
    {
        var result = await _cli.RunAsync("inventory", "import", "--store", "store.db",
            Fixture("syft-image.cdx.json"), Fixture("trivy-image.cdx.json"), Fixture("github-dependency-graph.spdx.json"), Fixture("syft-dir.spdx.json"));
        Assert.Equal(0, result.ExitCode);
    }

    private static IEnumerable<string> Refs(JsonNode node)
    {
        foreach (var component in node["components"]?.AsArray() ?? [])
        {
            yield return component!["bom-ref"]!.GetValue<string>();
            foreach (var nested in Refs(component)) yield return nested;
        }
    }

    private static string Fixture(string name) => Path.Combine(Fixtures, name);

    [GeneratedRegex("^SPDXRef-[A-Za-z0-9.-]+$")]
    private static partial Regex SpdxId();
}
