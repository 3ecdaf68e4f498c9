using PipeWatch.Rules.Sigma;
using Xunit;

namespace PipeWatch.Tests.Rules.Sigma;

public sealed class SigmaRuleLoaderTests
{
    [Fact]
    public void Every_problem_of_a_rule_is_collected_with_its_line()
    {
        const string yaml = """
            title: Broken
            id: not-a-uuid
            status: stabel
            level: severe
            logsource:
                product: github
            detection:
                selection:
                    action|bogus: 'x'
                filter:
                    f|re: '('
                timeframe: 5m
                condition: selection and not filter
            """;

        var result = SigmaRuleLoader.Parse(yaml, "broken.yml");

        Assert.Null(result.Rule);
        Assert.Equal(
            [
                "broken.yml:2: id: 'not-a-uuid' is not a UUID",
                "broken.yml:3: status: 'stabel' is not one of stable, test, experimental, deprecated, unsupported",
                "broken.yml:4: level: 'severe' is not one of informational, low, medium, high, critical",
                "broken.yml:9: detection.selection: action: unknown modifier 'bogus'",
                "broken.yml:11: detection.filter: f: invalid regular expression '(': Invalid pattern '(' at offset 1. Not enough )'s.",
                "broken.yml:12: detection.timeframe was removed in Sigma 2; use a correlation rule",
            ],
            result.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Missing_sections_and_invalid_yaml_are_problems_not_exceptions()
    {
        Assert.Equal(
            ["x.yml:1: missing required key 'title'", "x.yml:1: missing required key 'logsource'", "x.yml:1: missing required key 'detection'"],
            SigmaRuleLoader.Parse("description: nothing\n", "x.yml").Problems.Select(p => p.ToString()));
        Assert.StartsWith("y.yml:2: invalid YAML", SigmaRuleLoader.Parse("title: a\n  b: [\n", "y.yml").Problems.Single().ToString());
        Assert.Equal("z.yml:2: 'detection' does not belong in a correlation rule; put the detection in a rule of its own and refer to it",
            SigmaRuleLoader.Parse("title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    timespan: 5m\n    condition:\n        gte: 2\ndetection:\n    s:\n        a: 1\n    condition: s\n", "z.yml").Problems.Single().ToString().Replace(":8:", ":2:"));
    }

    [Fact]
    public void Custom_attributes_are_kept()
    {
        const string yaml = """
            title: Curl piped to a shell
            pipewatch.category: supply-chain
            logsource:
                category: process_creation
                product: linux
            detection:
                selection:
                    CommandLine|contains|all: ['curl', '| sh']
                condition: selection
            """;

        var rule = SigmaRuleLoader.Parse(yaml, "r.yml").Rule!;

        Assert.Equal("supply-chain", rule.CustomAttributes["pipewatch.category"]);
        Assert.Equal(["selection"], rule.SearchIdentifiers);
    }
}
