using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using PipeWatch.Cli;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// Findings committed to the store but never written out (4,572 committed, 24 printed when the run was stopped) were lost to
/// the user: a rerun finds nothing new. When the output is cut short, the summary now says how many findings are in the store
/// and not shown, with the command that lists them.
/// </summary>
public sealed partial class OutputCutShortTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task When_stdout_breaks_the_summary_counts_the_findings_not_shown_and_gives_the_command_that_lists_them()
    {
        var store = _temp.File("store.db");
        var error = new StringWriter();
        var host = new CliHost(new BrokenWriter(), error, _temp.Path, _ => null, Interactive: false, new FakeTimeProvider(Ingest.Now));
        var samples = Path.Combine(Corpus.RepositoryRoot, "samples");

        var exit = await PipeWatchApp.RunAsync(["ingest", Path.Combine(samples, "demo"), Path.Combine(samples, "attack"), "--store", store, "--format", "json"], host, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Findings, exit);
        var line = NotShownLine().Match(error.ToString());
        Assert.True(line.Success, error.ToString());
        var listed = await new CliRunner(_temp.Path).RunAsync([.. line.Groups["command"].Value.Split(' ').Skip(1)]);
        var all = await new CliRunner(_temp.Path).RunAsync("findings", "--store", store, "--format", "json");
        Assert.Equal(0, listed.ExitCode);
        Assert.Equal(int.Parse(line.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture), all.OutputLines.Length);
        Assert.Equal(Fingerprints(all.OutputLines), Fingerprints(listed.OutputLines));
        Assert.Equal(7, all.OutputLines.Length);
    }

    [Fact]
    public async Task When_every_finding_is_written_no_such_line_is_said()
    {
        var samples = Path.Combine(Corpus.RepositoryRoot, "samples");

        var result = await new CliRunner(_temp.Path).RunAsync("ingest", Path.Combine(samples, "demo"), Path.Combine(samples, "attack"), "--store", _temp.File("store.db"), "--format", "json");

        Assert.Equal(7, result.OutputLines.Length);
        Assert.DoesNotContain("not shown", result.Error, StringComparison.Ordinal);
    }

    private static string[] Fingerprints(IEnumerable<string> lines) =>
        [.. lines.Select(l => { using var d = JsonDocument.Parse(l); return d.RootElement.GetProperty("fingerprint").GetString()!; }).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(?<count>\d+) findings in the store not shown \(the output was cut short\); list them with: (?<command>pipewatch findings --store \S+ --since \S+ --format json)")]
    private static partial Regex NotShownLine();
}
