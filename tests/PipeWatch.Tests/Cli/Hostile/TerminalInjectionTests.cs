using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// Names chosen by a pusher (file names, step names) are printed with their control characters escaped: no escape sequence
/// reaches the terminal and no name starts a line, so none can be a GitHub Actions workflow command (<c>::add-mask::</c>).
/// </summary>
public sealed class TerminalInjectionTests : IDisposable
{
    private const string Token = "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";
    private const string HostileName = "notes\n::add-mask::x\n::stop-commands::y\u001b]0;owned\u0007\u001b[2J.env";
    private readonly TestRepository _repo = new();
    private readonly TempFolder _work = new();

    public void Dispose()
    {
        _repo.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task A_committed_file_name_with_newlines_and_escapes_is_printed_escaped_on_one_line()
    {
        _repo.Write(HostileName, $"GH_TOKEN={Token}\n").Commit("hostile name");

        var result = await new CliRunner(_work.Path).RunAsync("scan", _repo.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(@"notes\n::add-mask::x\n::stop-commands::y\x1b]0;owned\x07\x1b[2J.env", result.Output, StringComparison.Ordinal);
        AssertSafe(result);
    }

    [Fact]
    public async Task A_problem_about_a_file_with_a_hostile_name_is_one_escaped_line()
    {
        Directory.CreateDirectory(_work.File("in"));
        File.WriteAllText(Path.Combine(_work.File("in"), "bad\n::add-mask::z\u001b[2J.jsonl"), "{\"@timestamp\": \"2026-11-20T10:05:00Z\", \"event\": {\"category\": \"process\", \"id\": \"p\"}}\n{not json\n");

        var result = await new CliRunner(_work.Path).RunAsync("ingest", "in");

        Assert.Contains(@"bad\n::add-mask::z\x1b[2J.jsonl", result.Error, StringComparison.Ordinal);
        AssertSafe(result);
    }

    private static void AssertSafe(CliResult result)
    {
        var all = result.Output + result.Error;
        Assert.DoesNotContain('\u001b', all);
        Assert.DoesNotContain('\u0007', all);
        Assert.All(all.Split('\n'), line => Assert.False(line.TrimStart().StartsWith("::", StringComparison.Ordinal), line));
    }
}
