using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>deployment_status</c> webhook: a deployment moved to pending, queued, waiting, in_progress, success, failure, error or inactive.</summary>
internal sealed class GitHubDeploymentStatusFormat : IPayloadFormat
{
    public string Id => "github-deployment-status";

    public bool Recognizes(JsonElement root) => root.Object("deployment_status"u8) is not null;

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.Object("deployment_status"u8) is not { } status || status.Int64("id"u8) is not { } statusId)
        {
            context.Reject("the deployment_status has no numeric 'id'");
            return;
        }

        if (root.Object("deployment"u8) is not { } deployment || deployment.Int64("id"u8) is not { } id)
        {
            context.Reject("no 'deployment' object with a numeric 'id'");
            return;
        }

        if (root.Object("repository"u8)?.LeadingString("full_name"u8) is not { } repository)
        {
            context.Reject("no 'repository.full_name'");
            return;
        }

        var environment = GitHubDeployment.NonEmpty(status.String("environment"u8)) ?? GitHubDeployment.NonEmpty(deployment.String("environment"u8));
        if (environment is null)
        {
            context.Reject("neither the status nor the deployment has an 'environment'");
            return;
        }

        if ((status.Time("updated_at"u8) ?? status.Time("created_at"u8)) is not { } timestamp)
        {
            context.Reject("the deployment_status has neither 'updated_at' nor 'created_at'");
            return;
        }

        var state = status.String("state"u8)?.ToLowerInvariant() ?? "unknown";
        var sha = deployment.String("sha"u8);
        var @ref = deployment.String("ref"u8);
        var fields = GitHubDeployment.Fields(root, deployment, id);
        GitHubDeployment.Add(fields, "github.deployment_status.id", statusId.ToString(CultureInfo.InvariantCulture));
        GitHubDeployment.Add(fields, "github.deployment_status.creator", status.Object("creator"u8)?.String("login"u8));
        var target = GitHubDeployment.NonEmpty(status.String("environment_url"u8)) ?? GitHubDeployment.PayloadTarget(deployment) ?? environment;
        context.Emit(new Event
        {
            Kind = EventKind.Deployment,
            Id = $"github:deployment_status:{statusId.ToString(CultureInfo.InvariantCulture)}:{state}",
            Timestamp = timestamp,
            Dataset = "github.deployment_status",
            Action = state,
            Outcome = OutcomeNames.Parse(state),
            Completed = state is "success" or "failure" or "error" or "inactive",
            Ci = GitHubDeployment.Context(root, repository, sha, @ref),
            Organization = root.Object("organization"u8)?.String("login"u8),
            UserName = deployment.Object("creator"u8)?.String("login"u8) ?? root.Object("sender"u8)?.LeadingString("login"u8),
            Deployment = new DeploymentInfo(environment, target, Version: sha ?? @ref, State: state),
            Fields = fields,
            Url = GitHubDeployment.NonEmpty(status.String("log_url"u8)) ?? GitHubDeployment.NonEmpty(status.String("target_url"u8)),
            Origin = context.Origin,
        });
    }
}
