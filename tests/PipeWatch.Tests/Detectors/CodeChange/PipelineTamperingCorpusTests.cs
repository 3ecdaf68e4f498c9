using PipeWatch.Detectors.CodeChange.PipelineTampering;
using PipeWatch.Findings;
using Xunit;
using static PipeWatch.Tests.Detectors.CodeChange.WorkflowCorpusRecallTests;

namespace PipeWatch.Tests.Detectors.CodeChange;

/// <summary>Exact findings (rule, line, severity) of the pipeline-tampering checks on real corpus files, and silence on safe ones.</summary>
public sealed class PipelineTamperingCorpusTests
{
    [Fact]
    public void Env_values_set_from_an_issue_title_and_expanded_into_run_are_template_injection()
    {
        var issues = Analyse("zizmor", "template-injection", "static-env.yml");

        Assert.Equal(
            [("pipeline-tampering.template-injection", 43, "step-level-non-static"), ("pipeline-tampering.template-injection", 50, "job-level-non-static"), ("pipeline-tampering.template-injection", 55, "workflow-level-non-static")],
            issues.Select(i => (i.Rule, i.Line, i.Step)));
        Assert.Contains("is replaced by env.bar, which is set from github.event.issue.title", issues[0].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pull_request_title_written_to_GITHUB_ENV_is_reported_at_the_write()
    {
        // The workflow is also new and runs on pull_request_target: that is dangerous-trigger's, not this test's.
        var issue = Assert.Single(Analyse("zizmor", "github_env.yml"), i => i.Rule != DangerousTriggerCheck.Rule);

        Assert.Equal(("pipeline-tampering.github-env-injection", Severity.High, 19, "vulnerable"), (issue.Rule, issue.Severity, issue.Line, issue.Job));
    }

    [Fact]
    public void Curl_piped_to_bash_in_an_azure_pipeline_is_download_and_execute()
    {
        var issue = Assert.Single(Analyse("poutine", "azure-pipelines-1.yml"));

        Assert.Equal(("pipeline-tampering.download-and-execute", 9, "(pipeline)"), (issue.Rule, issue.Line, issue.Job));
    }

    [Fact]
    public void A_composite_action_expanding_an_input_into_a_script_using_unpinned_actions_and_an_always_true_if_is_reported()
    {
        var issues = Analyse("poutine", "composite", "action.yml");

        Assert.Equal(
            [
                ("pipeline-tampering.template-injection", 6, Severity.Medium),
                ("pipeline-tampering.unpinned-action", 4, Severity.Medium),
                ("pipeline-tampering.unpinned-action", 9, Severity.Low),
                ("pipeline-tampering.unpinned-action", 13, Severity.Low),
                ("pipeline-tampering.unsound-condition", 17, Severity.High),
            ],
            issues.Select(i => (i.Rule, i.Line, i.Severity)));
    }

    [Fact]
    public void A_pinned_sha_labelled_with_two_different_versions_is_a_mismatch()
    {
        var issues = Analyse("zizmor", "ref-version-mismatch.yml").Where(i => i.Rule == "pipeline-tampering.pin-tag-mismatch");

        Assert.Equal([25, 28], issues.Select(i => i.Line));
    }

    [Fact]
    public void Secrets_inherit_is_reported_only_on_the_job_that_inherits()
    {
        var issue = Assert.Single(Analyse("zizmor", "secrets-inherit.yml"), i => i.Rule == "pipeline-tampering.secrets-inherit");

        Assert.Equal((12, "call-workflow-vulnerable-1"), (issue.Line, issue.Job));
    }

    [Fact]
    public void Self_hosted_labels_reached_through_a_matrix_include_are_resolved()
    {
        var issue = Assert.Single(Analyse("zizmor", "self-hosted", "self-hosted-matrix-inclusion.yml"));

        Assert.Equal(("pipeline-tampering.self-hosted-runner", 15, Severity.Low), (issue.Rule, issue.Line, issue.Severity));
    }

    [Theory]
    [InlineData("zizmor", "excessive-permissions", "workflow-empty-perms.yml")]
    [InlineData("zizmor", "dangerous-triggers", "actions-labeler.yml")]
    [InlineData("zizmor", "github-env", "issue-2200-repro.yml")]
    [InlineData("zizmor", "self-hosted", "self-hosted-matrix-exclusion.yml")]
    [InlineData("zizmor", "ref-version-mismatch", "nested-annotated-tags.yml")]
    [InlineData("zizmor", "unpinned-images", "issue-2097-repro.yml")]
    public void Files_marked_safe_raise_nothing(params string[] parts)
    {
        // issue-2200 is safe for GITHUB_ENV writes; its pull_request_target trigger in a new file is a dangerous trigger (zizmor's
        // own file silences that with an ignore comment).
        var issues = Analyse(parts).Where(i => !(parts[^1] == "issue-2200-repro.yml" && i.Rule == DangerousTriggerCheck.Rule));

        Assert.Empty(issues);
    }
}
