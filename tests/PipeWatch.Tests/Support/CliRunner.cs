using Microsoft.Extensions.Time.Testing;
using PipeWatch.Cli;
using Xunit;

namespace PipeWatch.Tests.Support;

/// <summary>Runs the whole <c>pipewatch</c> program in-process, with captured output, a working directory and an environment of its own.</summary>
internal sealed class CliRunner(string workingDirectory, Dictionary<string, string>? environment = null)
{
    public Dictionary<string, string> Environment { get; } = environment ?? [];

    /// <summary>The time the program sees (<see cref="Ingest.Now"/> unless set).</summary>
    public DateTimeOffset Now { get; init; } = Ingest.Now;

    public async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var host = new CliHost(output, error, workingDirectory, name => Environment.GetValueOrDefault(name), Interactive: false, new FakeTimeProvider(Now)) { EnvironmentNames = () => Environment.Keys };
        var exit = await PipeWatchApp.RunAsync(args, host, TestContext.Current.CancellationToken);
        return new CliResult(exit, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
