using System.Text.RegularExpressions;
using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class SecretRuleLoaderTests
{
    private static SecretRuleSet Load(string yaml) => SecretRuleLoader.Load("custom.yml", new StringReader(yaml));

    private const string Good = """
        rules:
          - id: demo-token
            description: Demo token
            keywords: [demo_]
            pattern: '\b(demo_[a-z0-9]{12})\b'
            secret-group: 1
            severity: high
            examples:
              match: ['t = demo_a1b2c3d4e5f6']
              no-match: ['demo_short']
        """;

    [Fact]
    public void A_valid_rule_loads_compiled_with_its_fields()
    {
        var set = Load(Good);

        Assert.Empty(set.Problems);
        var rule = Assert.Single(set.Rules);
        Assert.Equal("demo-token", rule.Id);
        Assert.Equal(1, rule.SecretGroup);
        Assert.Equal(["demo_"], rule.Keywords);
        Assert.Equal(SecretRule.DefaultWindow, rule.Window);
    }

    [Fact]
    public void Every_problem_of_the_file_is_reported_at_once_with_file_line_and_rule_id()
    {
        var yaml = """
            rules:
              - id: failing-match
                description: The match example does not match
                keywords: [demo_]
                pattern: 'demo_[0-9]{12}'
                severity: high
                examples:
                  match: ['demo_abcdefabcdef']
                  no-match: ['demo_1']
              - id: failing-no-match
                description: The no-match example matches
                keywords: [demo_]
                pattern: 'demo_[0-9]+'
                severity: high
                examples:
                  match: ['demo_123456']
                  no-match: ['demo_1']
              - id: bad-regex
                description: Unbalanced parenthesis
                keywords: [demo_]
                pattern: '(demo_'
                severity: high
                examples:
                  match: ['demo_1']
                  no-match: ['x']
              - id: missing-pattern
                description: No pattern at all
                keywords: [demo_]
                severity: high
                examples:
                  match: ['demo_1']
                  no-match: ['x']
              - id: demo-token
                description: First
                keywords: [demo_]
                pattern: 'demo_[0-9]{3}'
                severity: high
                examples:
                  match: ['demo_123']
                  no-match: ['demo_1']
              - id: demo-token
                description: Second with the same id
                keywords: [demo_]
                pattern: 'demo_[0-9]{4}'
                severity: high
                examples:
                  match: ['demo_1234']
                  no-match: ['demo_1']
            """;

        var set = Load(yaml);

        Assert.Equal(["demo-token"], set.Rules.Select(r => r.Id));
        Assert.All(set.Problems, p => Assert.Equal("custom.yml", p.File));
        Assert.Contains(set.Problems, p => p.Line == 8 && p.Reason.StartsWith("rule 'failing-match': match example is not matched", StringComparison.Ordinal));
        Assert.Contains(set.Problems, p => p.Line == 16 && p.Reason.StartsWith("rule 'failing-no-match': no-match example is matched", StringComparison.Ordinal));
        Assert.Contains(set.Problems, p => p.Line == 21 && p.Reason.StartsWith("rule 'bad-regex': invalid regex", StringComparison.Ordinal));
        Assert.Contains(set.Problems, p => p.Line == 26 && p.Reason == "rule 'missing-pattern': missing required key 'pattern'");
        Assert.Contains(set.Problems, p => p.Line == 41 && p.Reason == "rule 'demo-token': duplicate id (first defined on line 33)");
        Assert.Equal(5, set.Problems.Count);
    }

    [Fact]
    public void A_rule_whose_match_example_lacks_its_keyword_is_refused()
    {
        var set = Load(Good.Replace("[demo_]", "[other_]", StringComparison.Ordinal));

        Assert.Empty(set.Rules);
        Assert.Contains(set.Problems, p => p.Reason.Contains("match example is not matched", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("id: demo-token", "id: Demo_Token", "kebab-case")]
    [InlineData("keywords: [demo_]", "keywords: [Demo_]", "must be lower-case")]
    [InlineData("severity: high", "severity: urgent", "unknown severity 'urgent'")]
    [InlineData("secret-group: 1", "secret-group: 3", "not a group of the pattern")]
    [InlineData("severity: high", "severity: high\n    colour: red", "unknown key 'colour'")]
    [InlineData("severity: high", "severity: high\n    checksum: luhn", "unknown 'checksum'")]
    [InlineData("severity: high", "severity: high\n    entropy: 9", "'entropy' must be")]
    [InlineData("no-match: ['demo_short']", "", "needs at least one 'no-match' example")]
    public void A_bad_field_is_reported_naming_the_rule_and_the_reason(string from, string to, string reason)
    {
        var set = Load(Good.Replace(from, to, StringComparison.Ordinal));

        Assert.Empty(set.Rules);
        Assert.Contains(set.Problems, p => p.Reason.Contains(reason, StringComparison.Ordinal) && p.Line is > 1);
    }

    [Fact]
    public void A_file_that_is_not_yaml_is_one_problem_not_an_exception()
    {
        var set = Load("rules: [\n  - id: x\n");

        Assert.Empty(set.Rules);
        Assert.Single(set.Problems);
    }

    [Theory]
    [InlineData("demo-token")]
    [InlineData("aws-access-key-id")]
    [InlineData("a")]
    [InlineData("0-9")]
    [InlineData("a-b-c-1")]
    [InlineData("demo-token\n")]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("-demo")]
    [InlineData("demo-")]
    [InlineData("demo-\n")]
    [InlineData("demo--token")]
    [InlineData("Demo-token")]
    [InlineData("demo_token")]
    [InlineData("demo token")]
    [InlineData("demo-token\n\n")]
    [InlineData("demo-token\r\n")]
    [InlineData("\ndemo")]
    [InlineData("d\u0131mo")]
    [InlineData("demo-\u0661")]
    [InlineData("-")]
    public void The_kebab_case_check_answers_as_the_regex_it_replaces(string id)
    {
        // The reference: the regex the loader used before (".NET $" also matches before one final line feed).
        var expected = Regex.IsMatch(id, "^[a-z0-9]+(?:-[a-z0-9]+)*$");

        Assert.Equal(expected, SecretRuleLoader.IsKebabCase(id));
    }

    [Fact]
    public void The_kebab_case_check_accepts_every_built_in_rule_id()
    {
        Assert.All(SecretRuleLoader.LoadBuiltIn().Rules, rule => Assert.True(SecretRuleLoader.IsKebabCase(rule.Id), rule.Id));
    }
}
