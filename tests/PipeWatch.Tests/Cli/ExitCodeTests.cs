using Microsoft.Extensions.Time.Testing;
using PipeWatch.Cli;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>A defect is never exit 1, which a gate reads as "findings": it has its own code, one line, and the trace on request.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task An_internal_error_exits_3_with_one_line_naming_it()
    {
        await Ingest.RunAsync(_temp.File("store.db"), [Path.Combine(Corpus.RepositoryRoot, "samples", "demo")]);
        var (exit, error) = await RunWithBrokenStdoutAsync("findings", "--store", _temp.File("store.db"));

        Assert.Equal(ExitCodes.InternalError, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("pipewatch: internal error: IOException: stdout is gone (a bug in PipeWatch; rerun with --verbose for the trace)", line);
    }

    [Fact]
    public async Task With_verbose_an_internal_error_prints_the_trace()
    {
        await Ingest.RunAsync(_temp.File("store.db"), [Path.Combine(Corpus.RepositoryRoot, "samples", "demo")]);
        var (exit, error) = await RunWithBrokenStdoutAsync("findings", "--store", _temp.File("store.db"), "--verbose");

        Assert.Equal(ExitCodes.InternalError, exit);
        // --verbose also says which config and store it used, before the error.
        Assert.Contains("\npipewatch: internal error: System.IO.IOException: stdout is gone", "\n" + error, StringComparison.Ordinal);
        Assert.Contains("   at ", error, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private async Task<(int Exit, string Error)> RunWithBrokenStdoutAsync(params string[] args)
    {
        var error = new StringWriter();
        var host = new CliHost(new BrokenWriter(), error, _temp.Path, _ => null, Interactive: false, new FakeTimeProvider(Ingest.Now));
        var exit = await PipeWatchApp.RunAsync(args, host, TestContext.Current.CancellationToken);
        return (exit, error.ToString());
    }
}
