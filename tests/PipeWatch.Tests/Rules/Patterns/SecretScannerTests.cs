using System.Text.RegularExpressions;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class SecretScannerTests
{
    // A format-valid, fake classic GitHub token: 30 random base62 characters and their CRC32 in base62.
    private const string ValidGitHubToken = "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";

    private static readonly SecretScanner BuiltIn = new(SecretRuleLoader.LoadBuiltIn().Rules);

    [Fact]
    public void A_rule_whose_regex_times_out_in_one_window_loses_only_that_window()
    {
        // A user's rule that backtracks without end on a long run of 'a' with no 'b' (the loader gives it a 2 s timeout).
        var rules = SecretRuleLoader.Load("custom.yml", new StringReader("""
            rules:
              - id: runaway
                description: 'backtracks exponentially'
                keywords: ['zzkw']
                pattern: 'zzkw (a|aa)+b'
                severity: low
                examples:
                  match: ['zzkw aab']
                  no-match: ['zzkw b']
            """));
        Assert.Empty(rules.Problems);
        var scanner = new SecretScanner([.. rules.Rules, .. SecretRuleLoader.LoadBuiltIn().Rules]);
        var text = $"zzkw {new string('a', 80)}!\ntoken={ValidGitHubToken}\n" + new string('\n', 2000) + "zzkw aab\n";

        var matches = scanner.Scan(text);

        Assert.Contains(matches, m => m.RuleId == "github-pat" && m.Line == 2);
        Assert.Contains(matches, m => m.RuleId == "runaway" && m.Line == 2003);
    }

    [Fact]
    public void The_GitHub_checksum_accepts_a_valid_token_and_rejects_an_altered_one()
    {
        Assert.True(SecretChecksums.IsValidGitHub(ValidGitHubToken));
        Assert.False(SecretChecksums.IsValidGitHub(ValidGitHubToken[..^1] + "A"));
        Assert.False(SecretChecksums.IsValidGitHub("ghp_Xy9Pf34qY6Nb3wWD25RQ4F5ZR3qa7y3gm1IL"));
    }

    [Fact]
    public void A_token_with_a_wrong_checksum_is_not_reported_and_a_valid_one_is()
    {
        Assert.Contains(BuiltIn.Scan($"token={ValidGitHubToken}"), m => m.RuleId == "github-pat");
        Assert.DoesNotContain(BuiltIn.Scan($"token={ValidGitHubToken[..^1]}A"), m => m.RuleId == "github-pat");
    }

    [Fact]
    public void Entropy_gates_a_generic_assignment()
    {
        Assert.DoesNotContain(BuiltIn.Scan("password = \"abababababababab\""), m => m.RuleId == "generic-secret-assignment");
        Assert.Contains(BuiltIn.Scan("password = \"Zq8#rT1v!Lp4xW7k\""), m => m.RuleId == "generic-secret-assignment");
        Assert.True(ShannonEntropy.Of("abababababababab") < 3.5);
        Assert.Equal(0, ShannonEntropy.Of("aaaa"));
        Assert.Equal(2, ShannonEntropy.Of("abcd"), precision: 6);
    }

    [Fact]
    public void Text_without_any_keyword_raises_nothing()
    {
        Assert.Empty(BuiltIn.Scan("Nothing to see here.\nJust an ordinary build log line.\n"));
        Assert.Empty(BuiltIn.Scan(string.Empty));
    }

    [Fact]
    public void A_secret_far_from_other_text_is_found_once_with_its_position()
    {
        var text = new string('x', 5000) + "\n" + ValidGitHubToken + " " + ValidGitHubToken + "\n" + new string('y', 5000);

        var matches = BuiltIn.Scan(text).Where(m => m.RuleId == "github-pat").ToList();

        Assert.Equal(2, matches.Count);
        Assert.All(matches, m => Assert.Equal(2, m.Line));
        Assert.Equal([1, ValidGitHubToken.Length + 2], matches.Select(m => m.Column));
    }

    [Fact]
    public void The_secret_is_redacted_by_the_caller_with_Evidence_Secret()
    {
        var match = Assert.Single(BuiltIn.Scan(ValidGitHubToken), m => m.RuleId == "github-pat");

        var evidence = Evidence.Secret("secret", match.Secret);

        Assert.DoesNotContain(ValidGitHubToken, evidence.Value, StringComparison.Ordinal);
        Assert.StartsWith("ghp_", evidence.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_key_block_longer_than_the_default_window_is_found_whole()
    {
        var body = string.Join('\n', Enumerable.Range(0, 50).Select(i => Convert.ToBase64String(BitConverter.GetBytes(i * 7919L)).PadRight(64, 'Q')));
        var block = $"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----";
        var text = "# deploy key\n" + block + "\n";

        var match = Assert.Single(BuiltIn.Scan(text), m => m.RuleId == "private-key-pem");

        Assert.True(block.Length > 2 * SecretRule.DefaultWindow);
        Assert.Equal(block, match.Secret);
        Assert.Equal(2, match.Line);
    }

    [Fact]
    public void A_rule_is_interpreted_for_its_first_characters_then_compiled_once_with_the_same_matches()
    {
        // A fresh rule set: the shared built-in rules may have been warmed by other tests.
        var rule = SecretRuleLoader.LoadBuiltIn().Rules.Single(r => r.Id == "github-pat");
        var scanner = new SecretScanner([rule]);
        var text = $"token={ValidGitHubToken}";

        Assert.Equal(RegexOptions.None, rule.Pattern.Options & RegexOptions.Compiled);
        var interpreted = scanner.Scan(text);
        var matchers = new System.Collections.Concurrent.ConcurrentBag<Regex>();
        Assert.Same(rule.Pattern, rule.MatcherFor(SecretRule.InterpretedCharacters / 2));
        Parallel.For(0, 200, _ => matchers.Add(rule.MatcherFor(SecretRule.InterpretedCharacters / 100)));
        var compiled = scanner.Scan(text);

        Assert.Equal(RegexOptions.Compiled, rule.Matcher.Options & RegexOptions.Compiled);
        Assert.Single(matchers.Where(m => m != rule.Pattern).Distinct());
        Assert.Equal(interpreted, compiled);
        Assert.Equal(ValidGitHubToken, Assert.Single(compiled).Secret);
    }

    [Fact]
    public void Keywords_searched_in_several_passes_find_every_example_when_all_share_one_text()
    {
        // 144 built-in keywords are searched in passes of 24: hits of different passes interleave in one text.
        var rules = SecretRuleLoader.LoadBuiltIn().Rules;
        var examples = rules.SelectMany(r => r.MatchExamples).ToList();
        Assert.True(rules.SelectMany(r => r.Keywords).Distinct().Count() > 2 * SecretScanner.KeywordsPerPass);

        var together = BuiltIn.Scan(string.Join("\n# ---\n", examples)).Select(m => m.Secret).ToHashSet();

        var missed = examples.SelectMany(e => BuiltIn.Scan(e).Select(m => m.Secret)).Where(secret => !together.Contains(secret)).ToList();
        Assert.Empty(missed);
        Assert.True(together.Count >= 100, $"{together.Count} secrets");
    }

    [Fact]
    public void A_scanner_without_rules_finds_nothing()
    {
        Assert.Empty(new SecretScanner([]).Scan($"token={ValidGitHubToken}"));
    }

    [Fact]
    public void A_secret_found_by_a_specific_and_a_generic_rule_is_reported_once_by_the_specific_rule()
    {
        var match = Assert.Single(BuiltIn.Scan($"export GITHUB_TOKEN={ValidGitHubToken}\n"));

        Assert.Equal("github-pat", match.RuleId);
    }
}
