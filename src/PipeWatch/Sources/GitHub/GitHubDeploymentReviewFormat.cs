using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>The GitHub <c>deployment_review</c> webhook: a review of a protected environment was requested, approved or rejected.</summary>
/// <remarks>
/// Not a deployment itself: its events carry <see cref="EventFields.DeploymentReview"/> and no deployment id, and tie to the
/// deployment through the workflow run. One event per environment the review covers.
/// </remarks>
internal sealed class GitHubDeploymentReviewFormat : IPayloadFormat
{
    public string Id => "github-deployment-review";

    public bool Recognizes(JsonElement root) =>
        root.Object("workflow_run"u8) is not null
        && (root.Object("workflow_job_run"u8) is not null || root.Array("workflow_job_runs"u8) is not null || root.Object("approver"u8) is not null || root.Object("requestor"u8) is not null);

    public void Read(JsonElement root, PayloadContext context)
    {
        var action = root.String("action"u8)?.ToLowerInvariant();
        if (action is not ("requested" or "approved" or "rejected"))
        {
            context.Reject($"unknown review action '{action}' (expected requested, approved or rejected)");
            return;
        }

        if (root.Object("repository"u8)?.LeadingString("full_name"u8) is not { } repository)
        {
            context.Reject("no 'repository.full_name'");
            return;
        }

        var run = root.Object("workflow_run"u8)!.Value;
        if (run.Int64("id"u8) is not { } runId)
        {
            context.Reject("the workflow_run has no numeric 'id'");
            return;
        }

        var environments = Environments(root);
        if (environments.Count == 0)
        {
            context.Reject("no environment: none of 'environment', 'workflow_job_run.environment', 'workflow_job_runs[].environment'");
            return;
        }

        if ((root.Time("since"u8) ?? run.Time("updated_at"u8)) is not { } timestamp)
        {
            context.Reject("neither 'since' nor 'workflow_run.updated_at' is a timestamp");
            return;
        }

        var actor = action == "requested"
            ? root.Object("requestor"u8)?.String("login"u8)
            : root.Object("approver"u8)?.String("login"u8);
        actor ??= root.Object("sender"u8)?.LeadingString("login"u8);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { [EventFields.DeploymentReview] = action };
        GitHubDeployment.Add(fields, "github.deployment_review.reviewers", Reviewers(root));
        GitHubDeployment.Add(fields, "github.deployment_review.approver", root.Object("approver"u8)?.String("login"u8));
        GitHubDeployment.Add(fields, "github.deployment_review.comment", root.String("comment"u8));
        GitHubDeployment.Add(fields, "github.sender", root.Object("sender"u8)?.LeadingString("login"u8));
        var ci = GitHubDeployment.Context(root, repository, sha: null, @ref: null);
        foreach (var environment in environments)
        {
            context.Emit(new Event
            {
                Kind = EventKind.Deployment,
                Id = $"github:deployment_review:{runId.ToString(CultureInfo.InvariantCulture)}:{environment}:{action}:{actor}",
                Timestamp = timestamp,
                Dataset = "github.deployment_review",
                Action = action,
                Ci = ci,
                Organization = root.Object("organization"u8)?.String("login"u8),
                UserName = actor,
                Deployment = new DeploymentInfo(environment, environment, State: $"review_{action}"),
                Fields = fields,
                Url = run.String("html_url"u8),
                Origin = context.Origin,
            });
        }
    }

    private static List<string> Environments(JsonElement root)
    {
        var environments = new List<string>();
        void Add(string? name)
        {
            if (!string.IsNullOrWhiteSpace(name) && !environments.Contains(name, StringComparer.Ordinal)) environments.Add(name);
        }

        Add(root.String("environment"u8));
        Add(root.Object("workflow_job_run"u8)?.String("environment"u8));
        if (root.Array("workflow_job_runs"u8) is { } jobs)
        {
            foreach (var job in jobs.EnumerateArray()) Add(job.String("environment"u8));
        }

        return environments;
    }

    /// <summary>The requested reviewers: user logins and team slugs, comma-separated.</summary>
    private static string? Reviewers(JsonElement root)
    {
        if (root.Array("reviewers"u8) is not { } reviewers) return null;
        var names = reviewers.EnumerateArray()
            .Select(r => r.Object("reviewer"u8) is { } who ? who.String("login"u8) ?? (who.String("slug"u8) is { } slug ? $"team:{slug}" : null) : null)
            .OfType<string>()
            .ToList();
        return names.Count == 0 ? null : string.Join(",", names);
    }
}
