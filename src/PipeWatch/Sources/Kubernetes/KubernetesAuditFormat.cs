using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.Kubernetes;

/// <summary>Kubernetes audit events (<c>audit.k8s.io/v1</c>, <c>kind: Event</c>) that create, update, patch or delete a Deployment, StatefulSet or DaemonSet.</summary>
/// <remarks>
/// Every other audit event (other resources, reads, subresources such as <c>status</c> and <c>scale</c>, the
/// <c>RequestReceived</c> and <c>ResponseStarted</c> stages) yields nothing, silently: an audit log is mostly such events.
/// The optional top-level <c>cluster</c> (added by some shippers) prefixes the target.
/// </remarks>
internal sealed class KubernetesAuditFormat : IPayloadFormat
{
    public const string Platform = "kubernetes";

    private static readonly string[] Workloads = ["deployments", "statefulsets", "daemonsets"];
    private static readonly string[] Changes = ["create", "update", "patch", "delete"];

    public string Id => "kubernetes-audit";

    public bool Recognizes(JsonElement root) =>
        root.String("apiVersion"u8) is { } api && api.StartsWith("audit.k8s.io/", StringComparison.Ordinal)
        && string.Equals(root.String("kind"u8), "Event", StringComparison.Ordinal);

    public void Read(JsonElement root, PayloadContext context)
    {
        var stage = root.String("stage"u8);
        if (stage is "RequestReceived" or "ResponseStarted") return;
        var verb = root.String("verb"u8);
        var reference = root.Object("objectRef"u8);
        var resource = reference?.String("resource"u8);
        if (!Changes.Contains(verb) || !Workloads.Contains(resource) || reference?.String("subresource"u8) is { Length: > 0 }) return;

        if (root.String("auditID"u8) is not { Length: > 0 } auditId)
        {
            context.Reject("no 'auditID'");
            return;
        }

        var ns = reference!.Value.String("namespace"u8);
        var name = reference.Value.String("name"u8) ?? root.Object("requestObject"u8)?.Object("metadata"u8)?.String("name"u8);
        if (string.IsNullOrEmpty(ns) || string.IsNullOrEmpty(name))
        {
            context.Reject($"{verb} of {resource} without 'objectRef.namespace' and 'objectRef.name'");
            return;
        }

        if ((root.Time("stageTimestamp"u8) ?? root.Time("requestReceivedTimestamp"u8)) is not { } timestamp)
        {
            context.Reject("neither 'stageTimestamp' nor 'requestReceivedTimestamp' is a timestamp");
            return;
        }

        var cluster = root.String("cluster"u8);
        var code = root.Object("responseStatus"u8)?.Int64("code"u8);
        var user = root.Object("user"u8)?.String("username"u8);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EventFields.DeploymentId] = $"kubernetes:{auditId}",
            ["kubernetes.audit_id"] = auditId,
            ["kubernetes.verb"] = verb!,
            ["kubernetes.resource"] = resource!,
            ["kubernetes.namespace"] = ns,
        };
        if (cluster is { Length: > 0 }) fields["kubernetes.cluster"] = cluster;
        if (code is { } status) fields["http.response.status_code"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (user?.StartsWith("system:serviceaccount:", StringComparison.Ordinal) == true) fields[EventFields.UserType] = "service-account";
        var ips = root.Array("sourceIPs"u8);
        context.Emit(new Event
        {
            Kind = EventKind.Deployment,
            Id = $"kubernetes:{auditId}:{stage ?? "ResponseComplete"}",
            Timestamp = timestamp,
            Dataset = "kubernetes.audit",
            Action = verb,
            Outcome = code is null ? Outcome.Unknown : code is >= 200 and < 300 ? Outcome.Success : Outcome.Failure,
            Completed = true,
            Ci = CiContext.ForRepository(null, Platform),
            Client = new Client(ips is { } list && list.GetArrayLength() > 0 ? list[0].GetString() : null, UserAgent: root.String("userAgent"u8)),
            UserName = user,
            Deployment = new DeploymentInfo(
                ns,
                string.IsNullOrEmpty(cluster) ? $"{ns}/{resource}/{name}" : $"{cluster}/{ns}/{resource}/{name}",
                name,
                Images(root),
                verb),
            Fields = fields,
            Origin = context.Origin,
        });
    }

    /// <summary>The container images of the request's pod template, when the audit level recorded the request body.</summary>
    private static string? Images(JsonElement root)
    {
        var containers = root.Object("requestObject"u8)?.Object("spec"u8)?.Object("template"u8)?.Object("spec"u8)?.Array("containers"u8);
        if (containers is not { } list) return null;
        var images = list.EnumerateArray().Select(c => c.String("image"u8)).OfType<string>().ToList();
        return images.Count == 0 ? null : string.Join(",", images);
    }
}
