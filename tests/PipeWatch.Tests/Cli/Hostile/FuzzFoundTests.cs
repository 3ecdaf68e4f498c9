using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>Inputs the fuzz harness (<c>bench --suite fuzz</c>) found crashing a loader, each now a reported problem or a working rule.</summary>
public sealed class FuzzFoundTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_workflow_whose_step_starts_with_a_run_of_braces_is_a_yaml_problem_not_an_exception()
    {
        var text = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Build\n        "
            + new string('{', 200) + "uses: docker/build-push-action@v6\n        with:\n          push: false\n";

        var parsed = CiDefinitionParser.Parse(".github/workflows/ci.yml", text, CiPlatform.GitHubWorkflow, out var error);

        Assert.Null(parsed);
        Assert.StartsWith(".github/workflows/ci.yml:", error, StringComparison.Ordinal);
        Assert.Contains("not valid YAML: malformed YAML", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sigma_value_too_long_for_the_linear_time_engine_loads_and_matches()
    {
        var value = ".pipedream." + new string('a', 5_000);
        File.WriteAllText(_temp.File("rule.yml"), $$"""
            title: Long wildcard value
            id: 7d2a1c55-0000-4000-8000-000000000022
            logsource:
                product: linux
                category: process_creation
            detection:
                selection:
                    CommandLine|contains: '{{value}}*'
                condition: selection
            level: low
            """);
        File.WriteAllText(_temp.File("events.jsonl"), """{"@timestamp": "2026-11-20T10:00:00Z", "event": {"category": ["process"], "type": ["start"], "id": "p"}, "process": {"command_line": "curl https://x"""
            + value + """.example"}, "host": {"os": {"type": "linux"}}}""" + "\n");
        var cli = new CliRunner(_temp.Path);

        var validated = await cli.RunAsync("rules", "validate", "rule.yml");
        var tested = await cli.RunAsync("rules", "test", "rule.yml", "events.jsonl");

        Assert.Equal(0, validated.ExitCode);
        Assert.Equal(0, tested.ExitCode);
        Assert.Contains("MATCH", tested.Output, StringComparison.Ordinal);
    }
}
