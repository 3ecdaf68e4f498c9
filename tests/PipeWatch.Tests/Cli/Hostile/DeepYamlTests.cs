using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// 100,000 nested <c>[</c> in a committed workflow or in <c>pipewatch.yml</c> used to overflow the stack (exit 134): one commit
/// broke every gate. Run as a child process, so that a regression fails this test rather than killing the test host.
/// </summary>
public sealed class DeepYamlTests : IDisposable
{
    private const string Token = "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";
    private static readonly string Deep = "on: push\njobs:\n  build: " + new string('[', 100_000) + "\n";
    private readonly TestRepository _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task A_workflow_nested_100000_deep_does_not_stop_the_scan_of_the_rest()
    {
        _repo.Write(".github/workflows/ci.yml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n").Commit("ci");
        _repo.Write(".github/workflows/ci.yml", Deep).Write("a.env", $"GH_TOKEN={Token}\n").Commit("deep");

        var result = await CliProcess.RunAsync(_repo.Path, null, null, TimeSpan.FromMinutes(2), "scan", ".", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("\"rule\":\"github-pat\"", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_nested_100000_deep_is_a_usage_error_naming_the_file_and_line()
    {
        File.WriteAllText(Path.Combine(_repo.Path, "pipewatch.yml"), "detectors:\n  x: " + new string('[', 100_000) + "\n");
        File.WriteAllText(Path.Combine(_repo.Path, "e.jsonl"), "{}\n");

        var result = await CliProcess.RunAsync(_repo.Path, null, null, TimeSpan.FromMinutes(2), "ingest", "e.jsonl");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipewatch.yml:2: invalid YAML", result.Error, StringComparison.Ordinal);
        Assert.Contains("nested deeper than 256 levels", result.Error, StringComparison.Ordinal);
    }
}
