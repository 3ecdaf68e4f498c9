using System.Text.Json;
using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Detectors.Dependencies;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

public sealed class VulnDbCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public VulnDbCommandTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Import_fills_the_store_index_and_scan_matches_against_it_offline()
    {
        var imported = await _cli.RunAsync("vulndb", "import", OsvFiles.Fixtures, "--store", "pw.db");

        Assert.Equal(0, imported.ExitCode);
        Assert.Equal("imported 5 advisories (0 withdrawn removed), 5 in the index, 0 problems", imported.ErrorLines.Last());

        using var repo = new TestRepository();
        repo.Write("package.json", CommitHistory.PackageJson("lodash")).Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("lodash", "4.17.15", Direct: true)));
        var sha = repo.Commit("add lodash");
        var scan = await _cli.RunAsync("scan", repo.Path, "--store", "pw.db", "--format", "json");

        Assert.Equal(1, scan.ExitCode);
        var finding = Assert.Single(scan.OutputLines.Select(l => JsonDocument.Parse(l).RootElement), f => f.GetProperty("category").GetString() == "dependency.known-vulnerability");
        Assert.Equal("lodash@4.17.15 is affected by GHSA-p6mc-m468-83gw (CVE-2020-8203)", finding.GetProperty("title").GetString());
        Assert.Equal(sha, finding.GetProperty("location").GetProperty("commit").GetString());
    }

    [Fact]
    public async Task Ingest_of_a_lockfile_reports_its_current_state_against_the_imported_advisories()
    {
        await _cli.RunAsync("vulndb", "import", OsvFiles.Fixtures, "--store", "pw.db");
        File.Copy(Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson", "files.v1.json"), _temp.File("package-lock.json"));

        var first = await _cli.RunAsync("ingest", "package-lock.json", "--store", "pw.db", "--format", "json");
        var again = await _cli.RunAsync("ingest", "package-lock.json", "--store", "pw.db", "--format", "json");

        Assert.Equal(1, first.ExitCode);
        var finding = JsonDocument.Parse(Assert.Single(first.OutputLines)).RootElement;
        Assert.Equal(
            ("dependency.known-vulnerability", "dependency.known-vulnerability", "lodash@1.3.1 is affected by GHSA-p6mc-m468-83gw (CVE-2020-8203)", 5),
            (finding.GetProperty("rule").GetString(), finding.GetProperty("category").GetString(), finding.GetProperty("title").GetString(), finding.GetProperty("location").GetProperty("line").GetInt32()));
        Assert.EndsWith("package-lock.json", finding.GetProperty("location").GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.Contains("ingested 1 file: 1 events (0 seen before), 1 new finding, 0 problems", first.Error, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("ingested 1 file: 1 events (1 seen before), 0 new findings, 0 problems", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_path_is_a_usage_error_naming_it()
    {
        var result = await _cli.RunAsync("vulndb", "import", "nowhere.zip", "--store", "pw.db");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pipewatch: nowhere.zip: no such file or folder", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Bad_records_are_reported_and_the_good_ones_imported()
    {
        File.WriteAllText(_temp.File("bad.json"), "[{\"summary\":\"no id\"}]");
        File.Copy(Path.Combine(OsvFiles.Fixtures, "GHSA-mcph-m25j-8j63.json"), _temp.File("good.json"));

        var result = await _cli.RunAsync("vulndb", "import", _temp.File("bad.json"), _temp.File("good.json"), "--store", "pw.db");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.ErrorLines, l => l.EndsWith("bad.json: not an OSV record (no 'id')", StringComparison.Ordinal));
        Assert.Equal("imported 1 advisory (0 withdrawn removed), 1 in the index, 1 problem", result.ErrorLines.Last());
    }
}
