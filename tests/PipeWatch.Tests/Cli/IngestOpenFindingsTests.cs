using PipeWatch.Tests.Dependencies.Advisories;
using PipeWatch.Tests.Detectors.Dependencies;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>Re-running ingest says what the input still has: findings an earlier run reported are counted as open, and --fail-on-open gates on them.</summary>
public sealed class IngestOpenFindingsTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public IngestOpenFindingsTests() => _cli = new CliRunner(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task After_a_scan_ingest_of_the_same_lockfile_counts_the_known_vulnerability_as_open_and_can_gate_on_it()
    {
        using var repo = new TestRepository();
        repo.Write("package.json", CommitHistory.PackageJson("lodash")).Write("package-lock.json", CommitHistory.NpmLock(new NpmEntry("lodash", "4.17.15", Direct: true)));
        repo.Commit("add lodash");
        // Two stores with the same history: an event ingested once is not examined again in the same store.
        foreach (var store in new[] { "a.db", "b.db" })
        {
            await _cli.RunAsync("vulndb", "import", OsvFiles.Fixtures, "--store", store);
            Assert.Equal(1, (await _cli.RunAsync("scan", repo.Path, "--store", store, "--format", "json")).ExitCode);
        }

        var ingest = await _cli.RunAsync("ingest", Path.Combine(repo.Path, "package-lock.json"), "--store", "a.db", "--format", "json");
        var gate = await _cli.RunAsync("ingest", Path.Combine(repo.Path, "package-lock.json"), "--store", "b.db", "--format", "json", "--fail-on-open");

        Assert.Equal(0, ingest.ExitCode);
        Assert.Equal(string.Empty, ingest.Output);
        Assert.Contains("0 new findings, 1 still open from earlier runs (1 high; --fail-on-open gates on them), 0 problems", ingest.Error, StringComparison.Ordinal);
        Assert.Equal(1, gate.ExitCode);
        Assert.Equal(string.Empty, gate.Output);
    }

    [Fact]
    public async Task A_first_ingest_has_nothing_open_from_earlier_runs()
    {
        await _cli.RunAsync("vulndb", "import", OsvFiles.Fixtures, "--store", "pw.db");
        File.Copy(Corpus.File("lockfiles", "osv-scalibr", "javascript", "packagelockjson", "files.v1.json"), _temp.File("package-lock.json"));

        var first = await _cli.RunAsync("ingest", "package-lock.json", "--store", "pw.db", "--format", "json", "--fail-on-open");

        Assert.Equal(1, first.ExitCode);
        Assert.Single(first.OutputLines);
        Assert.DoesNotContain("still open", first.Error, StringComparison.Ordinal);
    }
}
