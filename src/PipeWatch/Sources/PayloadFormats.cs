using PipeWatch.Sources.ArgoCd;
using PipeWatch.Sources.GitHub;
using PipeWatch.Sources.GitLab;
using PipeWatch.Sources.Jenkins;
using PipeWatch.Sources.JsonLines;
using PipeWatch.Sources.Kubernetes;
using PipeWatch.Sources.Runner;

namespace PipeWatch.Sources;

/// <summary>The one list of JSON payload formats <c>ingest</c> recognizes, in the order they are tried.</summary>
public static class PayloadFormats
{
    public static IReadOnlyList<IPayloadFormat> All { get; } =
    [
        // The formats with fast readers come first, so their readers may run (see JsonFileSource): a workflow_job webhook
        // has a 'workflow_job' object, which the audit-log format refuses, and no webhook has a dotted action.
        new GitHubWorkflowJobFormat(),
        new GitHubAuditLogFormat(),
        // Deployment payloads carry a 'workflow_run' object too: they go before the workflow run format.
        new GitHubDeploymentStatusFormat(),
        new GitHubDeploymentFormat(),
        new GitHubDeploymentReviewFormat(),
        new GitHubWorkflowRunFormat(),
        new GitHubJobsListFormat(),
        new GitLabPipelineFormat(),
        new GitLabJobFormat(),
        new JenkinsBuildFormat(),
        new JenkinsStagesFormat(),
        new GitHubMemberFormat(),
        new GitHubMembershipFormat(),
        new GitHubOrganizationFormat(),
        new GitHubDeployKeyFormat(),
        new GitHubSecretScanningAlertFormat(),
        new GitHubBranchProtectionRuleFormat(),
        new GitHubRepositoryFormat(),
        new GitLabAuditEventFormat(),
        new GitLabDeploymentFormat(),
        new KubernetesAuditFormat(),
        new ArgoCdApplicationFormat(),
        new GenericDeploymentFormat(),
        new GitHubPushFormat(),
        new GitLabPushFormat(),
        new RunnerAgentFormat(),
        new Runner.Collectors.FalcoFormat(),
        new Runner.Collectors.TetragonFormat(),
        new EcsTelemetryFormat(),
    ];

    /// <summary>The fast paths of the first formats of <see cref="All"/>, in the same order, which read a document straight from its bytes (see <see cref="IUtf8PayloadReader"/>).</summary>
    public static IReadOnlyList<IUtf8PayloadReader> FastReaders { get; } =
    [
        new GitHubWorkflowJobReader(),
        new GitHubAuditLogReader(),
    ];

    /// <summary>The format with this id, or null.</summary>
    public static IPayloadFormat? Find(string id) =>
        All.FirstOrDefault(f => string.Equals(f.Id, id, StringComparison.OrdinalIgnoreCase));
}
