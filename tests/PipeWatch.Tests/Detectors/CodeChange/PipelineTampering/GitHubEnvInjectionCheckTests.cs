using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;

/// <summary>GITHUB_ENV/GITHUB_PATH writes: a value an outsider can shape is injection; one built from runner paths and fixed values is not.</summary>
public sealed class GitHubEnvInjectionCheckTests
{
    // The shape of a Python project's release workflow on workflow_run (a privileged trigger): a venv on PATH, a scratch folder, a tool version.
    private const string Workflow = """
        name: publish
        on:
          workflow_run:
            workflows: [ci]
            types: [completed]
        env:
          TOOL_VERSION: "1.8.2"
        jobs:
          publish:
            runs-on: ubuntu-latest
            env:
              DIST: ${{ github.workspace }}/dist
            steps:
              - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11
              - name: Prepare environment
                env:
                  CACHE: ${{ runner.temp }}/pip
                run: |
                  python -m venv .venv
                  echo "$PWD/.venv/bin" >> $GITHUB_PATH
                  echo "SCRATCH=$RUNNER_TEMP/scratch-${GITHUB_RUN_ID}" >> "$GITHUB_ENV"
                  echo "PIP_CACHE_DIR=${CACHE}" >> $GITHUB_ENV
                  echo "DIST_DIR=$DIST" >> $GITHUB_ENV
                  echo "TOOL=tool-${TOOL_VERSION}-${{ runner.os }}" >> $GITHUB_ENV
                  echo "BUILD_DATE=$(date -u +%Y-%m-%d)" >> $GITHUB_ENV
                  WHEELS="$HOME/wheels"
                  echo "WHEELS=$WHEELS" >> $GITHUB_ENV
        """;

    [Fact]
    public void Writes_of_runner_paths_workflow_constants_and_the_date_are_not_injection()
    {
        Assert.Empty(Check(Workflow));
    }

    [Theory]
    [InlineData("echo \"BRANCH=${{ github.event.workflow_run.head_branch }}\" >> $GITHUB_ENV")]
    [InlineData("echo \"PR=$(cat pr_number.txt)\" >> $GITHUB_ENV")]
    [InlineData("echo \"NAME=$NAME\" >> $GITHUB_ENV")]
    [InlineData("echo \"REF=$GITHUB_HEAD_REF\" >> $GITHUB_ENV")]
    [InlineData("echo \"OUT=${{ steps.meta.outputs.version }}\" >> $GITHUB_ENV")]
    public void A_value_an_outsider_or_an_earlier_step_can_shape_is_still_injection(string write)
    {
        var issue = Assert.Single(Check(Workflow + "\n              - run: |\n                  " + write + "\n"));

        Assert.Equal((GitHubEnvInjectionCheck.Rule, Severity.High, "publish"), (issue.Rule, issue.Severity, issue.Job));
    }

    [Fact]
    public void A_script_variable_assigned_from_a_command_is_not_trusted()
    {
        var write = "V=$(jq -r .version release.json)\n                  echo \"VERSION=$V\" >> $GITHUB_ENV";

        var issue = Assert.Single(Check(Workflow + "\n              - run: |\n                  " + write + "\n"));

        Assert.Equal(GitHubEnvInjectionCheck.Rule, issue.Rule);
    }

    private static List<WorkflowIssue> Check(string yaml)
    {
        var definition = CiDefinitionParser.Parse("publish.yml", yaml, CiPlatform.GitHubWorkflow, out var error);
        Assert.True(definition is not null, error);
        return [.. new GitHubEnvInjectionCheck().Check(definition)];
    }
}
