using PipeWatch.Dependencies.Advisories;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Store.Sqlite;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Lockfiles;

/// <summary><c>ingest</c> of a checkout and of single lockfiles: the corpus's real lockfiles, published OSV advisories imported into a real store, the findings exact.</summary>
public sealed class LockfileIngestTests : IDisposable
{
    private static readonly string Npm = Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson");
    private static readonly string DotNet = Corpus.File("lockfiles", "osv-scalibr", "dotnet");

    private readonly TempFolder _temp = new();
    private readonly string _store;

    public LockfileIngestTests() => _store = Store(_temp);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_checkout_reports_its_vulnerable_and_untrusted_dependencies_as_they_are_now()
    {
        using var checkout = Shop();

        var result = await Ingest.RunAsync(_store, [checkout.Path]);

        Assert.Empty(result.Problems);
        Assert.Equal(5, result.Summary.Sources); // the two lockfiles, the project, the deps.json and the workflow; README.md is not read
        Assert.Equal(
            [
                "vulnerability.ci-infrastructure|.github/workflows/ci.yml:7|tj-actions/changed-files@v45.0.7|GHSA-mrrh-fwg8-r2c3|high",
                "dependency.known-vulnerability|src/App/App.csproj:3|LiteDB@5.0.12|GHSA-3x49-g6rc-c284|critical",
                "dependency.known-vulnerability|web/package-lock.json:5|lodash@1.3.1|GHSA-p6mc-m468-83gw|high",
            ],
            Lines(result.Findings.Where(f => f.Category != Categories.UntrustedSource)));
        Assert.All(result.Findings, f => Assert.Equal((f.Category, "acme/shop", (string?)null), (f.Rule, f.Entity.Repository, f.Location.Commit)));

        // commits.v2.json resolves these from git (github.com and gitlab.com, over ssh and https): each entry, at its line.
        Assert.Equal(
            [
                "dependency.untrusted-source|tools/package-lock.json:26|@segment/analytics.js-integration-facebook-pixel@2.4.1||medium",
                "dependency.untrusted-source|tools/package-lock.json:50|babel-preset-php@1.1.1||medium",
                "dependency.untrusted-source|tools/package-lock.json:60|is-number-1@3.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:73|is-number-2@2.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:83|is-number-3@2.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:93|is-number-4@3.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:106|is-number-5@3.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:130|is-number-1@3.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:143|is-number-2@2.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:153|is-number-3@3.0.0||medium",
                "dependency.untrusted-source|tools/package-lock.json:163|raven-js@||medium",
                "dependency.untrusted-source|tools/package-lock.json:166|slick-carousel@1.7.1||medium",
            ],
            Lines(result.Findings.Where(f => f.Category == Categories.UntrustedSource)));

        var lodash = Assert.Single(result.Findings, f => f.Location.File == "web/package-lock.json");
        Assert.Equal(
            "web/package-lock.json pins npm package lodash 1.3.1; advisory GHSA-p6mc-m468-83gw (high, CVSS 7.4) covers it: Prototype Pollution in lodash; fixed in 4.17.20. It comes in through other_package → lodash.",
            lodash.Explanation);
        var token = Assert.Single(result.Findings, f => f.Location.Line == 106);
        Assert.Equal("git+https://***@github.com/jonschlinkert/is-number.git#af885e2e890b9ef0875edd2b117305119ee5bdc5", Evidence(token, "resolved"));
        Assert.DoesNotContain(result.Findings, f => f.Explanation.Contains("dummy-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clean_checkout_raises_nothing()
    {
        using var checkout = new TestRepository();
        checkout.Write("package-lock.json", File.ReadAllText(Path.Combine(Npm, "nested-dependencies.v2.json")));
        checkout.Write("src/Api/packages.lock.json", File.ReadAllText(Path.Combine(DotNet, "packageslockjson", "valid", "packages.lock.json")));
        // Newtonsoft.Json 13.0.1 is the first version GHSA-5crp-9r3c-p9vr does not cover; v46.0.1 the first tj-actions fix.
        checkout.Write("src/Api/bin/Api.deps.json", File.ReadAllText(Path.Combine(DotNet, "depsjson", "valid")));
        checkout.Write("Cargo.lock", File.ReadAllText(Corpus.File("lockfiles", "osv-scalibr", "rust", "cargolock", "two-packages.lock")));
        checkout.Write(".github/workflows/ci.yml", Workflow("tj-actions/changed-files@v46.0.1"));
        checkout.Write("Dockerfile", "FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build\nFROM mcr.microsoft.com/dotnet/aspnet:10.0\n");

        var result = await Ingest.RunAsync(_store, [checkout.Path]);

        Assert.Empty(result.Problems);
        Assert.Equal(6, result.Summary.Sources);
        Assert.Equal(6, result.Summary.Events);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_single_lockfile_outside_a_checkout_is_recognized_by_its_name()
    {
        var lockfile = _temp.File("package-lock.json");
        File.Copy(Path.Combine(Npm, "files.v1.json"), lockfile);

        var result = await Ingest.RunAsync(_store, [lockfile]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal($"dependency.known-vulnerability|{lockfile}:5|lodash@1.3.1|GHSA-p6mc-m468-83gw|high", Line(finding));
        Assert.Null(finding.Entity.Repository);
    }

    [Fact]
    public async Task The_same_file_again_is_skipped_until_new_advisories_are_imported()
    {
        var lockfile = _temp.File("package-lock.json");
        File.Copy(Path.Combine(Npm, "files.v1.json"), lockfile);
        var project = _temp.File("App.csproj");
        File.WriteAllText(project, """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <PackageReference Include="Newtonsoft.Json" Version="12.0.3" />
              </ItemGroup>
            </Project>
            """);
        var fresh = _temp.File("fresh.db");
        using (var store = SqliteStore.Open(fresh))
        {
            store.ImportAdvisories([OsvFiles.Fixture("GHSA-p6mc-m468-83gw")], CancellationToken.None);
        }

        var first = await Ingest.RunAsync(fresh, [lockfile, project]);
        var again = await Ingest.RunAsync(fresh, [lockfile, project]);
        using (var store = SqliteStore.Open(fresh))
        {
            store.ImportAdvisories([OsvFiles.Fixture("GHSA-5crp-9r3c-p9vr")], CancellationToken.None);
        }

        var refreshed = await Ingest.RunAsync(fresh, [lockfile, project]);

        Assert.Equal(["lodash@1.3.1"], first.Findings.Select(f => $"{Evidence(f, "package")}@{Evidence(f, "version")}"));
        Assert.Equal((2, 0), (again.Summary.Duplicates, again.Findings.Count));
        // Read again against the new index: only the new advisory's finding is new, lodash's was reported already.
        Assert.Equal((0, "Newtonsoft.Json@12.0.3 is affected by GHSA-5crp-9r3c-p9vr"), (refreshed.Summary.Duplicates, Assert.Single(refreshed.Findings).Title));
    }

    [Fact]
    public async Task A_malformed_file_is_a_problem_naming_file_and_line_and_the_rest_is_read()
    {
        using var checkout = new TestRepository();
        checkout.Write("src/Bad/Bad.csproj", File.ReadAllText(Path.Combine(DotNet, "csproj", "invalid")));
        checkout.Write("web/package-lock.json", "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/x\": \n  }\n}\n");
        checkout.Write("src/App/App.csproj", File.ReadAllText(Path.Combine(DotNet, "csproj", "valid")));

        var result = await Ingest.RunAsync(_store, [checkout.Path]);

        Assert.Equal("LiteDB@5.0.12 is affected by GHSA-3x49-g6rc-c284 (CVE-2022-23535)", Assert.Single(result.Findings).Title);
        Assert.Equal(2, result.Problems.Count);
        Assert.Contains(result.Problems, p => p.File.EndsWith("src/Bad/Bad.csproj", StringComparison.Ordinal) && p.Line == 1 && p.Reason.StartsWith("msbuild-package-references: ", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.File.EndsWith("web/package-lock.json", StringComparison.Ordinal) && p.Line == 5 && p.Reason.StartsWith("npm-package-lock: ", StringComparison.Ordinal));
    }

    private static string Evidence(Finding f, string name) => f.Evidence.Single(e => e.Name == name).Value;

    private static string Line(Finding f) =>
        $"{f.Category}|{f.Location.File}:{f.Location.Line}|{Evidence(f, "package")}@{Evidence(f, "version")}|{f.Evidence.FirstOrDefault(e => e.Name == "advisory")?.Value}|{f.Severity.ToWire()}";

    private static List<string> Lines(IEnumerable<Finding> findings) =>
        [.. findings.OrderBy(f => f.Location.File, StringComparer.Ordinal).ThenBy(f => f.Location.Line).Select(Line)];

    private static string Workflow(string uses) => $"""
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: {uses}
        """;

    /// <summary>A store holding the published advisories of the fixtures (lodash, tj-actions, Newtonsoft.Json, LiteDB), as 'vulndb import' leaves it.</summary>
    private static string Store(TempFolder temp)
    {
        var path = temp.File("store.db");
        using var store = SqliteStore.Open(path);
        var problems = new ProblemLog();
        store.ImportAdvisories(OsvArchive.Read(OsvFiles.Fixtures, problems), CancellationToken.None);
        Assert.Empty(problems.Problems);
        return path;
    }

    /// <summary>A checkout of acme/shop with the corpus's npm and .NET files under their real names, and a workflow using tj-actions/changed-files at an affected tag.</summary>
    private static TestRepository Shop()
    {
        var repo = new TestRepository();
        repo.Git("remote", "add", "origin", "https://github.com/acme/shop.git");
        repo.Write("web/package-lock.json", File.ReadAllText(Path.Combine(Npm, "files.v1.json")));
        repo.Write("tools/package-lock.json", File.ReadAllText(Path.Combine(Npm, "commits.v2.json")));
        repo.Write("src/App/App.csproj", File.ReadAllText(Path.Combine(DotNet, "csproj", "valid")));
        repo.Write("src/App/bin/App.deps.json", File.ReadAllText(Path.Combine(DotNet, "depsjson", "valid")));
        repo.Write("README.md", "# shop\n");
        repo.Write("node_modules/left-pad/package-lock.json", File.ReadAllText(Path.Combine(Npm, "files.v1.json")));
        repo.Write(".github/workflows/ci.yml", Workflow("tj-actions/changed-files@v45.0.7"));
        return repo;
    }
}
