using System.Text.Json;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch rules validate|test</c> and <c>ingest --rules</c>, run as the program.</summary>
public sealed class RulesCommandTests : IDisposable
{
    private const string GoodRule = """
        title: Repository deleted
        id: 6c1e0d2a-0000-4000-8000-000000000001
        level: medium
        logsource:
            product: github
            service: audit
        detection:
            selection:
                action: 'repo.destroy'
            condition: selection
        """;

    private const string BadRule = """
        title: Broken
        logsource:
            product: github
        detection:
            selection:
                action|startswith|endswith: 'repo.'
            filter:
                actor|expand: '%admins%'
            condition: selection and not filter
        """;

    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public RulesCommandTests() => _cli = new CliRunner(_temp.Path);

    [Fact]
    public async Task Validate_reports_every_problem_with_file_and_line_and_loads_the_rest()
    {
        Write("rules/good.yml", GoodRule);
        Write("rules/sub/bad.yml", BadRule);

        var result = await _cli.RunAsync("rules", "validate", "rules");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                "rules/sub/bad.yml:6: detection.selection: action: modifiers 'startswith' and 'endswith' cannot be combined",
                "rules/sub/bad.yml:8: detection.filter: actor: placeholder '%admins%' has no values (set sigma.placeholders.admins in pipewatch.yml)",
            ],
            result.OutputLines);
        Assert.Equal("1 rule and 0 correlation rules load; 1 rejected (2 problems)", result.ErrorLines.Single());
    }

    [Fact]
    public async Task Validate_takes_placeholders_from_the_config_and_passes_the_whole_corpus()
    {
        Write("pipewatch.yml", "sigma:\n  placeholders:\n    admins: [alice, bob]\n");
        Write("rules/bad.yml", BadRule.Replace("|startswith|endswith", "|startswith", StringComparison.Ordinal));

        var fixedRule = await _cli.RunAsync("rules", "validate", "rules");
        var corpus = await _cli.RunAsync("rules", "validate", Corpus.File("sigma"));

        Assert.Equal(0, fixedRule.ExitCode);
        Assert.Equal(0, corpus.ExitCode);
        Assert.Empty(corpus.OutputLines);
        Assert.Equal("239 rules and 0 correlation rules load; 0 rejected (0 problems)", corpus.ErrorLines.Single());
    }

    [Fact]
    public async Task Test_shows_which_event_matched_which_search_and_field()
    {
        Write("rule.yml", GoodRule);
        Write("audit.jsonl", """
            {"@timestamp": 1763800000000, "_document_id": "a", "action": "repo.create", "actor": "alice", "org": "acme", "repo": "acme/new"}
            {"@timestamp": 1763800060000, "_document_id": "b", "action": "repo.destroy", "actor": "mallory", "org": "acme", "repo": "acme/old"}
            """);

        var result = await _cli.RunAsync("rules", "test", "rule.yml", "audit.jsonl");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [
                "audit.jsonl:1  no match  Repository deleted  (github.audit repo.create)",
                "    selection: not matched",
                "      ✗ action: 'repo.destroy'   (action = \"repo.create\")",
                "    condition: selection",
                "audit.jsonl:2  MATCH  Repository deleted  (github.audit repo.destroy)",
                "    selection: matched",
                "      ✓ action: 'repo.destroy'   (action = \"repo.destroy\")",
                "    condition: selection",
            ],
            result.OutputLines);
    }

    [Fact]
    public async Task Test_says_when_the_logsource_does_not_fit_and_exits_1_when_nothing_matched()
    {
        Write("rule.yml", GoodRule);
        Write("runner.jsonl", """{"@timestamp":"2026-11-20T10:05:00Z","event":{"category":"process","id":"p"},"process":{"command_line":"repo.destroy"}}""" + "\n");

        var result = await _cli.RunAsync("rules", "test", "rule.yml", "runner.jsonl");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("    logsource product=github service=audit does not fit a Telemetry event of runner.process", result.OutputLines[1]);
    }

    [Fact]
    public async Task Test_of_a_rule_that_cannot_load_exits_2_naming_the_problem()
    {
        Write("bad.yml", BadRule);
        Write("audit.jsonl", "{}\n");

        var result = await _cli.RunAsync("rules", "test", "bad.yml", "audit.jsonl");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("pipewatch: bad.yml:6: detection.selection: action: modifiers", result.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_runs_rules_given_with_rules_and_names_the_ones_it_cannot_load()
    {
        Write("rules/good.yml", GoodRule);
        Write("more/bad.yml", BadRule);
        Write("audit.jsonl", """{"@timestamp": 1763800060000, "_document_id": "b", "action": "repo.destroy", "actor": "mallory", "org": "acme", "repo": "acme/old"}""" + "\n");

        var result = await _cli.RunAsync("ingest", "audit.jsonl", "--rules", "rules", "--rules", "more", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        var finding = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement;
        Assert.Equal("6c1e0d2a-0000-4000-8000-000000000001", finding.GetProperty("rule").GetString());
        Assert.Equal("threat-intel.rule-match", finding.GetProperty("category").GetString());
        Assert.Contains(result.ErrorLines, l => l.StartsWith("pipewatch: more/bad.yml:6: detection.selection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_explains_both_verbs()
    {
        var result = await _cli.RunAsync("rules", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("validate", result.Output, StringComparison.Ordinal);
        Assert.Contains("shows which events a rule matches and why", result.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private void Write(string name, string text)
    {
        var path = _temp.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
