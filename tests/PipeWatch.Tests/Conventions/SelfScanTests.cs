using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>The repository passes its own gate: the committed pipewatch.yml allows the rule examples and test fixtures, each with a reason.</summary>
public sealed class SelfScanTests
{
    [Fact]
    public async Task Scanning_the_repository_with_its_own_config_exits_0()
    {
        var result = await new CliRunner(Corpus.RepositoryRoot).RunAsync("scan", ".", "--format", "json");

        Assert.True(result.ExitCode == 0, $"pipewatch scan . exited {result.ExitCode}:\n{result.Output}\n{result.Error}");
        Assert.Equal("", result.Output);
        Assert.Matches(@"0 findings, [\d,]+ allowed", result.Error);
    }

    [Fact]
    public async Task Without_its_allowlist_the_same_scan_fails_on_the_fixtures()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("empty.yml"), "min-samples: 10\n");

        var result = await new CliRunner(Corpus.RepositoryRoot).RunAsync("scan", ".", "--format", "json", "--config", temp.File("empty.yml"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("\"file\":\"rules/secrets/builtin.yml\"", result.Output, StringComparison.Ordinal);
    }
}
