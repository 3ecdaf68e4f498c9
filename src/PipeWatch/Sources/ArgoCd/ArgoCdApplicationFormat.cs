using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.ArgoCd;

/// <summary>
/// An Argo CD <c>Application</c> (<c>argoproj.io/v1alpha1</c>) as <c>argocd app get -o json</c>, <c>kubectl get application -o json</c>
/// or a notification template with <c>{{toJson .app}}</c> gives it: its last sync operation is one deployment.
/// </summary>
internal sealed class ArgoCdApplicationFormat : IPayloadFormat
{
    public const string Platform = "argocd";

    /// <summary>The actor of automated syncs (no user initiated them): the Argo CD application controller.</summary>
    public const string AutomatedActor = "argocd-application-controller";

    public string Id => "argocd-application";

    public bool Recognizes(JsonElement root) =>
        root.String("apiVersion"u8) is { } api && api.StartsWith("argoproj.io/", StringComparison.Ordinal)
        && string.Equals(root.String("kind"u8), "Application", StringComparison.Ordinal);

    public void Read(JsonElement root, PayloadContext context)
    {
        var metadata = root.Object("metadata"u8);
        if (metadata?.String("name"u8) is not { Length: > 0 } app)
        {
            context.Reject("no 'metadata.name'");
            return;
        }

        var status = root.Object("status"u8);
        if (status?.Object("operationState"u8) is not { } operation)
        {
            context.Reject($"application '{app}' has no 'status.operationState': it was never synced");
            return;
        }

        if ((operation.Time("finishedAt"u8) ?? operation.Time("startedAt"u8)) is not { } timestamp)
        {
            context.Reject("'status.operationState' has neither 'finishedAt' nor 'startedAt'");
            return;
        }

        var spec = root.Object("spec"u8);
        var destination = spec?.Object("destination"u8);
        var ns = destination?.String("namespace"u8) is { Length: > 0 } n ? n : "default";
        var server = destination?.String("server"u8) ?? destination?.String("name"u8) ?? "in-cluster";
        var source = spec?.Object("source"u8) ?? (spec?.Array("sources"u8) is { } sources && sources.GetArrayLength() > 0 ? sources[0] : null);
        var repository = GitRemotes.RepositoryPath(source?.String("repoURL"u8)) ?? string.Empty;
        var phase = operation.String("phase"u8) ?? "Unknown";
        var revision = operation.Object("syncResult"u8)?.String("revision"u8) ?? operation.Object("operation"u8)?.Object("sync"u8)?.String("revision"u8);
        var initiatedBy = operation.Object("operation"u8)?.Object("initiatedBy"u8);
        var automated = initiatedBy?.String("automated"u8) == "true";
        var user = initiatedBy?.String("username"u8) is { Length: > 0 } u ? u : automated ? AutomatedActor : null;
        var started = operation.Time("startedAt"u8) ?? timestamp;
        var project = spec?.String("project"u8);
        var appId = $"{metadata.Value.String("namespace"u8) ?? "argocd"}/{app}";
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EventFields.DeploymentId] = $"argocd:{appId}:{started.UtcTicks}",
            ["argocd.application"] = app,
            ["argocd.phase"] = phase,
        };
        if (project is { Length: > 0 }) fields["argocd.project"] = project;
        if (status.Value.Object("sync"u8)?.String("status"u8) is { } sync) fields["argocd.sync_status"] = sync;
        if (status.Value.Object("health"u8)?.String("status"u8) is { } health) fields["argocd.health_status"] = health;
        if (automated) fields[EventFields.UserType] = "bot";
        context.Emit(new Event
        {
            Kind = EventKind.Deployment,
            Id = $"argocd:{appId}:{started.UtcTicks}:{phase}",
            Timestamp = timestamp,
            Dataset = "argocd.application",
            Action = phase,
            Outcome = OutcomeNames.Parse(phase),
            Completed = phase is "Succeeded" or "Failed" or "Error",
            Ci = new CiContext(repository, app, string.Empty, Commit: revision, Platform: Platform),
            UserName = user,
            Deployment = new DeploymentInfo(ns, $"{server}/{ns}", app, revision, phase),
            Fields = fields,
            Origin = context.Origin,
        });
    }
}
