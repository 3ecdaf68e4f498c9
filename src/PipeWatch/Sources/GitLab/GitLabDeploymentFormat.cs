using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitLab;

/// <summary>The GitLab "Deployment Hook" payload (<c>object_kind: deployment</c>): a deployment to an environment changed status.</summary>
internal sealed class GitLabDeploymentFormat : IPayloadFormat
{
    public string Id => "gitlab-deployment";

    public bool Recognizes(JsonElement root) => string.Equals(root.String("object_kind"), "deployment", StringComparison.Ordinal);

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Int64("deployment_id") is not { } id)
        {
            context.Reject("no numeric 'deployment_id'");
            return;
        }

        if (GitLabHook.ProjectRepository(root) is not { } repository)
        {
            context.Reject(GitLabHook.NoRepository);
            return;
        }

        if (root.String("environment") is not { Length: > 0 } environment)
        {
            context.Reject("no 'environment'");
            return;
        }

        if (root.Time("status_changed_at") is not { } timestamp)
        {
            context.Reject("no 'status_changed_at' timestamp");
            return;
        }

        var status = root.String("status")?.ToLowerInvariant() ?? "unknown";
        var commit = root.String("commit_url") is { } url && url.LastIndexOf('/') is var slash and >= 0 ? url[(slash + 1)..] : null;
        var deploymentId = GitLabHook.Invariant(id);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EventFields.DeploymentId] = $"gitlab:{repository}:{deploymentId}",
            ["gitlab.deployment.id"] = deploymentId,
        };
        if (root.Int64("deployable_id") is { } job) fields["gitlab.deployable_id"] = GitLabHook.Invariant(job);
        context.Emit(new Event
        {
            Kind = EventKind.Deployment,
            Id = $"gitlab:deployment:{deploymentId}:{status}",
            Timestamp = timestamp,
            Dataset = "gitlab.deployment",
            Action = status,
            Outcome = OutcomeNames.Parse(status),
            Completed = GitLabHook.IsFinished(status),
            Ci = CiContext.ForRepository(repository, GitLabHook.Platform) with { Branch = root.String("ref"), Commit = commit },
            UserName = root.Object("user")?.String("username"),
            Deployment = new DeploymentInfo(
                environment,
                root.String("environment_external_url") is { Length: > 0 } external ? external : environment,
                Version: commit ?? root.String("short_sha"),
                State: status),
            Fields = fields,
            Url = root.String("deployable_url"),
            Origin = context.Origin,
        });
    }
}
