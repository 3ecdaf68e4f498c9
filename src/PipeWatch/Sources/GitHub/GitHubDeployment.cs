using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>What the GitHub <c>deployment</c>, <c>deployment_status</c> and <c>deployment_review</c> webhooks share: the run context, the actor fields and the deployment id.</summary>
internal static class GitHubDeployment
{
    /// <summary>The repository, and the workflow run when the payload has one (deployments made by Actions do).</summary>
    public static CiContext Context(JsonElement root, string repository, string? sha, string? @ref)
    {
        if (root.Object("workflow_run"u8) is { } run && run.Int64("id"u8) is { } runId)
        {
            return new CiContext(
                repository,
                run.String("name"u8) ?? run.String("path"u8) ?? "(unnamed workflow)",
                runId.ToString(CultureInfo.InvariantCulture),
                (int)(run.Int64("run_attempt"u8) ?? 1),
                Job: null,
                run.String("head_branch"u8),
                sha ?? run.String("head_sha"u8),
                GitHubJob.Platform);
        }

        return CiContext.ForRepository(repository, GitHubJob.Platform) with { Branch = @ref, Commit = sha };
    }

    /// <summary>The fields every deployment event carries: ids, task, creator type, sender.</summary>
    public static Dictionary<string, string> Fields(JsonElement root, JsonElement deployment, long id)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EventFields.DeploymentId] = $"github:{id.ToString(CultureInfo.InvariantCulture)}",
            ["github.deployment.id"] = id.ToString(CultureInfo.InvariantCulture),
        };
        Add(fields, "github.deployment.task", deployment.String("task"u8));
        Add(fields, "github.deployment.ref", deployment.String("ref"u8));
        Add(fields, "github.deployment.production_environment", deployment.String("production_environment"u8));
        Add(fields, "github.sender", root.Object("sender"u8)?.LeadingString("login"u8));
        Add(fields, EventFields.UserType, deployment.Object("creator"u8)?.String("type"u8)?.ToLowerInvariant());
        return fields;
    }

    /// <summary>A URL the deployment's own <c>payload</c> names (<c>url</c>, <c>environment_url</c>, <c>target</c>), when it has one.</summary>
    public static string? PayloadTarget(JsonElement deployment) =>
        deployment.Object("payload"u8) is { } payload
            ? NonEmpty(payload.String("url"u8)) ?? NonEmpty(payload.String("environment_url"u8)) ?? NonEmpty(payload.String("target"u8))
            : null;

    public static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    public static void Add(Dictionary<string, string> fields, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) fields[name] = value;
    }
}
