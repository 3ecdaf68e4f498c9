using System.Diagnostics;
using System.Text.Json;
using PipeWatch.Cli;
using PipeWatch.Rules;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// A regex that times out counted as "no match", silently: an attacker padded a line so a rule that backtracks gave up there.
/// Timeouts are now problems, one rule's timeout leaves the others' matches standing, patterns that can backtrack without end
/// are refused at load, and gitleaks rules (RE2) run on the linear-time engine, where no timeout can happen.
/// </summary>
public sealed class RegexTimeoutTests : IDisposable
{
    // A GitHub token of valid shape, split so the repository's own secret scan does not take this file for a leak.
    private const string Token = "ghp_" + "L5s8KUyJFdhMYUJuBMQLznMCtJUari30Ln8e";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_padded_line_times_out_a_backtracking_user_rule_and_the_token_beside_it_is_still_found_and_the_timeout_is_a_problem()
    {
        // (?:a|aa)* needs no nested quantifier to backtrack exponentially; the lookahead keeps it on the backtracking engine.
        File.WriteAllText(_temp.File("rules.yml"), """
            rules:
              - id: slow-a-run
                description: 'a run of a followed by c'
                keywords: ['aaaa']
                pattern: '(?=a)(?:a|aa)*c'
                severity: low
                examples:
                  match: ['aaaac']
                  no-match: ['b']
              - id: github-pat
                description: 'GitHub personal access token'
                keywords: ['ghp_']
                pattern: '\b(ghp_[A-Za-z0-9]{36})\b'
                secret-group: 1
                severity: high
                examples:
                  match: ['token ghp_000000000000000000000000000000000000']
                  no-match: ['ghp_short']
            """);
        Directory.CreateDirectory(_temp.File("src"));
        File.WriteAllText(_temp.File("src/padded.txt"), $"first line\nx = {new string('a', 400)} {Token}\n");

        var result = await new CliRunner(_temp.Path).RunAsync("scan", "src", "--no-git", "--rules", "rules.yml", "--format", "json");

        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        using var finding = JsonDocument.Parse(Assert.Single(result.OutputLines));
        Assert.Equal("github-pat", finding.RootElement.GetProperty("evidence").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "rule").GetProperty("value").GetString());
        Assert.Contains("padded.txt:2: secret rule 'slow-a-run' timed out on this line; a secret there may be missed (the other rules still ran)", result.Error, StringComparison.Ordinal);
        Assert.Contains(", 1 problem", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_padded_value_times_out_a_sigma_re_on_the_backtracking_engine_and_the_timeout_is_a_problem_naming_the_rule()
    {
        // As above: (?:a|aa)* backtracks exponentially without a nested quantifier, and the lookahead keeps it off the linear engine.
        Directory.CreateDirectory(_temp.File("my-rules"));
        File.WriteAllText(_temp.File("my-rules/slow.yml"), """
            title: A run of a followed by c
            id: 6d2e1a4b-0000-4000-8000-00000000a11c
            level: low
            logsource:
              product: github
              service: audit
            detection:
              selection:
                github.note|re: '(?=a)(?:a|aa)*c'
              condition: selection
            """);
        File.WriteAllText(_temp.File("my-rules/hook.yml"), """
            title: Webhook added
            id: 6d2e1a4b-0000-4000-8000-00000000b00c
            level: low
            logsource:
              product: github
              service: audit
            detection:
              selection:
                action: 'hook.create'
              condition: selection
            """);
        var padding = new string('a', 400);
        File.WriteAllText(_temp.File("audit.jsonl"), $$"""
            {"@timestamp": 1763800000000, "_document_id": "d-1", "action": "repo.create", "actor": "alice", "org": "acme", "repo": "acme/api", "note": "ac"}
            {"@timestamp": 1763800060000, "_document_id": "d-2", "action": "hook.create", "actor": "mallory", "org": "acme", "repo": "acme/api", "note": "{{padding}} b"}

            """);

        var result = await new CliRunner(_temp.Path).RunAsync("ingest", "audit.jsonl", "--rules", "my-rules", "--store", "store.db", "--format", "json");

        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        // The short value matches the slow rule; the padded one times it out, and the other rule still matches that event.
        var rules = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("rule").GetString()).ToList();
        Assert.Contains("6d2e1a4b-0000-4000-8000-00000000a11c", rules);
        Assert.Contains("6d2e1a4b-0000-4000-8000-00000000b00c", rules);
        Assert.Contains(
            "audit.jsonl:2: Sigma rule '6d2e1a4b-0000-4000-8000-00000000a11c' timed out matching a regular expression on event github:audit:d-2; a match there may be missed (the other rules still ran)",
            result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n'), l => l.Contains("timed out", StringComparison.Ordinal));
        // The summary counts it: a timeout is a place a match may hide, not a silent "no match".
        Assert.EndsWith(", 1 problem", result.ErrorLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sigma_re_value_that_can_backtrack_without_end_is_flagged_by_rules_validate()
    {
        File.WriteAllText(_temp.File("rule.yml"), """
            title: Nested quantifier behind a lookbehind
            id: 5c1f0f5e-7f55-4a43-9d25-1f9b1d2b6d10
            status: experimental
            logsource:
              product: github
              service: audit
            detection:
              selection:
                actor|re: '(?<=x)(\w+\s?)+$'
              condition: selection
            level: low
            """);

        var result = await new CliRunner(_temp.Path).RunAsync("rules", "validate", "rule.yml");

        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        var line = Assert.Single(result.OutputLines);
        Assert.StartsWith("rule.yml:9: ", line, StringComparison.Ordinal);
        Assert.Contains(@"the group '(\w+\s?)' repeats an unbounded quantifier", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_rule_that_can_backtrack_without_end_is_refused_at_load()
    {
        File.WriteAllText(_temp.File("rules.yml"), """
            rules:
              - id: nested
                description: 'nested quantifier'
                keywords: ['key=']
                pattern: 'key=(?!x)((?:[a-z]+,?)+);'
                secret-group: 1
                severity: low
                examples:
                  match: ['key=abc,def;']
                  no-match: ['key=x;']
            """);
        Directory.CreateDirectory(_temp.File("src"));
        File.WriteAllText(_temp.File("src/a.txt"), "nothing\n");

        var result = await new CliRunner(_temp.Path).RunAsync("scan", "src", "--no-git", "--rules", "rules.yml");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("rules.yml:5: rule 'nested': pattern can backtrack without end: the group '(?:[a-z]+,?)' repeats an unbounded quantifier", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gitleaks_rule_with_nested_quantifiers_runs_in_linear_time_over_padded_lines()
    {
        File.WriteAllText(_temp.File("gitleaks.toml"), """
            [[rules]]
            id = "nested"
            description = "x, a run of a, then b"
            regex = '''x(a+)+b'''
            keywords = ["xa"]
            """);
        Directory.CreateDirectory(_temp.File("src"));
        // Ten padded lines far apart (a window each) that the backtracking engine gave up on after 2 s each, then one that matches.
        var padding = string.Concat(Enumerable.Range(0, 10).Select(_ => $"x{new string('a', 3_000)}\n{new string('\n', 50)}{new string('-', 1_200)}\n"));
        File.WriteAllText(_temp.File("src/padded.txt"), padding + "xaaab\n");
        var clock = Stopwatch.StartNew();

        var result = await new CliRunner(_temp.Path).RunAsync("scan", "src", "--no-git", "--rules", "gitleaks.toml", "--format", "json");

        Assert.Equal(ExitCodes.Findings, result.ExitCode);
        Assert.Single(result.OutputLines);
        Assert.DoesNotContain("timed out", result.Error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Theory]
    [InlineData("(a+)+$", "(a+)")]
    [InlineData(@"^(\w+\s?)*$", @"(\w+\s?)")]
    [InlineData("(x{2,})*y", "(x{2,})")]
    [InlineData(@"(?:[a-z]+,?)+;", "(?:[a-z]+,?)")]
    public void Nested_unbounded_quantifiers_are_found(string pattern, string group) => Assert.Equal(group, RegexSafety.NestedQuantifier(pattern));

    [Theory]
    [InlineData(@"\b(ghp_[A-Za-z0-9]{36})\b")]
    [InlineData("(ab){1,5}c+")]
    [InlineData(@"(a\+)+")]
    [InlineData("([+*])+")]
    [InlineData("(a|b)*c")]
    [InlineData("((ab)*c)+")]
    [InlineData(@"(?!(?:[\w-]+\.)*example\.com)")]
    [InlineData(@"[\s\S]{1,200}?(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})")]
    public void Bounded_or_flat_quantifiers_are_not_flagged(string pattern) => Assert.Null(RegexSafety.NestedQuantifier(pattern));

    [Fact]
    public void A_risky_pattern_the_linear_engine_can_run_is_not_at_risk() => Assert.Null(RegexSafety.Risk("(a+)+$"));
}
