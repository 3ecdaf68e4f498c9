using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>A workflow that is not valid YAML is one problem naming its file and line (and commit), never silence; a plain folder names no commit.</summary>
public sealed class MalformedWorkflowTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_workflow_that_is_not_valid_yaml_is_a_problem_naming_its_file_and_line()
    {
        Directory.CreateDirectory(_temp.File("repo/.github/workflows"));
        File.WriteAllText(_temp.File("repo/.github/workflows/ci.yml"), "name: ci\non: push\njobs:\n  build:\n    runs-on: [ubuntu-latest\n    steps:\n      - run: make\n");
        File.WriteAllText(_temp.File("repo/.github/workflows/ok.yml"), "name: ok\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n");

        var result = await new CliRunner(_temp.Path).RunAsync("scan", "repo", "--no-git");

        Assert.Equal(0, result.ExitCode);
        var problem = Assert.Single(result.ErrorLines, l => l.Contains("ci.yml", StringComparison.Ordinal));
        Assert.StartsWith("pipewatch: .github/workflows/ci.yml:5: invalid YAML: ", problem, StringComparison.Ordinal);
        Assert.Contains(", 1 problem (above)", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("ok.yml", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workflow_made_invalid_in_a_commit_is_named_with_the_commit()
    {
        using var repo = new TestRepository();
        repo.Write(".github/workflows/ci.yml", "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n").Commit("ci");
        var sha = repo.Write(".github/workflows/ci.yml", "name: ci\non: push\njobs:\n  build: {runs-on: ubuntu-latest\n").Commit("broken");

        var result = await new CliRunner(repo.Path).RunAsync("scan");

        var problem = Assert.Single(result.ErrorLines, l => l.Contains("ci.yml", StringComparison.Ordinal));
        Assert.Matches($@"^pipewatch: \.github/workflows/ci\.yml \(commit {sha[..12]}\):\d+: invalid YAML: ", problem);
    }
}
