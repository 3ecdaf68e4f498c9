using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch scan --profile</c>: where the scan's CPU time went, on stderr, after the usual output.</summary>
public sealed class ScanProfileCommandTests : IDisposable
{
    private readonly TestRepository _repo = new();

    [Fact]
    public async Task Profile_lists_reading_each_detector_and_git_on_stderr_and_leaves_the_findings_alone()
    {
        _repo.Write("readme.md", "hello\n").Commit("one");
        _repo.Write("readme.md", "hello again\n").Commit("two");
        var cli = new CliRunner(_repo.Path);

        var plain = await cli.RunAsync("scan", "--format", "json");
        var profiled = await cli.RunAsync("scan", "--format", "json", "--profile");

        Assert.Equal((0, plain.Output), (profiled.ExitCode, profiled.Output));
        Assert.DoesNotContain("profile:", plain.Error, StringComparison.Ordinal);
        Assert.Contains(profiled.ErrorLines, l => l.StartsWith("profile: 2 commits,", StringComparison.Ordinal));
        Assert.Contains(profiled.ErrorLines, l => l.EndsWith("3  read: git log output parsed into commits", StringComparison.Ordinal));
        Assert.Contains(profiled.ErrorLines, l => l.EndsWith("2  inspect: secrets.hardcoded", StringComparison.Ordinal));
        Assert.Contains(profiled.ErrorLines, l => l.EndsWith("2  prepare: code-change.obfuscated-code", StringComparison.Ordinal));
        Assert.Contains(profiled.ErrorLines, l => l.Contains("other: start-up", StringComparison.Ordinal));
        Assert.Contains(profiled.ErrorLines, l => l.Contains("  gc: ", StringComparison.Ordinal) && l.Contains("collections (gen0/1/2)", StringComparison.Ordinal));
        Assert.Contains(profiled.ErrorLines, l => l.Contains("  jit: ", StringComparison.Ordinal) && l.Contains("methods compiled at run time", StringComparison.Ordinal));
    }

    public void Dispose() => _repo.Dispose();
}
