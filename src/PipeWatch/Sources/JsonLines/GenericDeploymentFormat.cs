using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.JsonLines;

/// <summary>
/// The generic deployment record for in-house CD tools, one JSON object per line:
/// <c>timestamp, actor, target, environment, service, version, pipeline, run_id, outcome</c> (README, "Generic deployment records").
/// </summary>
internal sealed class GenericDeploymentFormat : IPayloadFormat
{
    public string Id => "generic-deployment";

    /// <summary>The four required keys, and none of the keys that mark another platform's payload.</summary>
    public bool Recognizes(JsonElement root) =>
        root.TryGetProperty("environment"u8, out _) && root.TryGetProperty("target"u8, out _)
        && root.TryGetProperty("actor"u8, out _) && root.TryGetProperty("timestamp"u8, out _)
        && !root.TryGetProperty("object_kind"u8, out _) && !root.TryGetProperty("apiVersion"u8, out _)
        && !root.TryGetProperty("deployment"u8, out _) && !root.TryGetProperty("action"u8, out _);

    public void Read(JsonElement root, PayloadContext context)
    {
        var environment = root.String("environment"u8);
        var target = root.String("target"u8);
        var actor = root.String("actor"u8);
        if (string.IsNullOrWhiteSpace(environment) || string.IsNullOrWhiteSpace(target) || string.IsNullOrWhiteSpace(actor))
        {
            context.Reject("'environment', 'target' and 'actor' must be non-empty strings");
            return;
        }

        if ((root.Time("timestamp"u8) ?? root.EpochMilliseconds("timestamp")) is not { } timestamp)
        {
            context.Reject("'timestamp' is neither an ISO 8601 time nor epoch milliseconds");
            return;
        }

        var service = root.String("service"u8);
        var pipeline = root.String("pipeline"u8);
        var runId = root.String("run_id"u8);
        var outcome = root.String("outcome"u8)?.ToLowerInvariant();
        var repository = root.String("repository"u8) ?? service ?? pipeline ?? string.Empty;

        // Records of one run to one target are one deployment (a "started" line and a "success" line count once).
        var deploymentId = runId is not null
            ? $"generic:{pipeline}:{runId}:{target}"
            : $"generic:{timestamp.UtcTicks}:{target}:{actor}";
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { [EventFields.DeploymentId] = deploymentId };
        if (root.String("review"u8) is { Length: > 0 } review) fields[EventFields.DeploymentReview] = review.ToLowerInvariant();
        if (root.String("actor_type"u8) is { Length: > 0 } type) fields[EventFields.UserType] = type.ToLowerInvariant();
        var parsed = OutcomeNames.Parse(outcome);
        context.Emit(new Event
        {
            Kind = EventKind.Deployment,
            Id = $"generic-deployment:{deploymentId}:{outcome ?? "unknown"}",
            Timestamp = timestamp,
            Dataset = "generic.deployment",
            Action = outcome,
            Outcome = parsed,
            Completed = parsed is not Outcome.Unknown,
            Ci = new CiContext(repository, pipeline ?? string.Empty, runId ?? string.Empty, Platform: "generic"),
            UserName = actor,
            Deployment = new DeploymentInfo(environment, target, service, root.String("version"u8), outcome),
            Fields = fields,
            Origin = context.Origin,
        });
    }
}
