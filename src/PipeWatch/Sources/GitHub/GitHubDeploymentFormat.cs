using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>deployment</c> webhook (action <c>created</c>): a deployment was requested for an environment.</summary>
internal sealed class GitHubDeploymentFormat : IPayloadFormat
{
    public string Id => "github-deployment";

    public bool Recognizes(JsonElement root) => root.Object("deployment"u8) is not null && root.Object("deployment_status"u8) is null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Object("deployment"u8) is not { } deployment || deployment.Int64("id"u8) is not { } id)
        {
            context.Reject("the deployment has no numeric 'id'");
            return;
        }

        if (root.Object("repository"u8)?.LeadingString("full_name"u8) is not { } repository)
        {
            context.Reject("no 'repository.full_name'");
            return;
        }

        if (GitHubDeployment.NonEmpty(deployment.String("environment"u8)) is not { } environment)
        {
            context.Reject("the deployment has no 'environment'");
            return;
        }

        if ((deployment.Time("created_at"u8) ?? deployment.Time("updated_at"u8)) is not { } timestamp)
        {
            context.Reject("the deployment has neither 'created_at' nor 'updated_at'");
            return;
        }

        var sha = deployment.String("sha"u8);
        var @ref = deployment.String("ref"u8);
        context.Emit(new Event
        {
            Kind = EventKind.Deployment,
            Id = $"github:deployment:{id.ToString(CultureInfo.InvariantCulture)}:created",
            Timestamp = timestamp,
            Dataset = "github.deployment",
            Action = root.String("action"u8) ?? "created",
            Ci = GitHubDeployment.Context(root, repository, sha, @ref),
            Organization = root.Object("organization"u8)?.String("login"u8),
            UserName = deployment.Object("creator"u8)?.String("login"u8) ?? root.Object("sender"u8)?.LeadingString("login"u8),
            Deployment = new DeploymentInfo(environment, GitHubDeployment.PayloadTarget(deployment) ?? environment, Version: sha ?? @ref, State: "created"),
            Fields = GitHubDeployment.Fields(root, deployment, id),
            Url = root.Object("workflow_run"u8)?.String("html_url"u8),
            Origin = context.Origin,
        });
    }
}
