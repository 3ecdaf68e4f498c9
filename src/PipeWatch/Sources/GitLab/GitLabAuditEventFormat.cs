using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitLab;

/// <summary>GitLab audit events (REST API, streaming destinations, <c>audit_json.log</c>) and <c>auth_json.log</c> lines (Rack::Attack blocks and throttles).</summary>
/// <remarks>
/// The API and log put the details under <c>details</c> or flat at the top level, and streaming repeats some at both;
/// each field is read from the top level first, then from <c>details</c>. The action is GitLab's <c>event_name</c>
/// (or the streaming <c>event_type</c>); older events without one are named from their details: <c>login</c> for
/// <c>with</c>, <c>change_&lt;what&gt;</c>, <c>add_&lt;what&gt;</c>, <c>remove_&lt;what&gt;</c>.
/// </remarks>
internal sealed class GitLabAuditEventFormat : IPayloadFormat
{
    public const string AuditDataset = "gitlab.audit";
    public const string AuthDataset = "gitlab.auth";

    public string Id => "gitlab-audit";

    public bool Recognizes(JsonElement root) =>
        (root.String("entity_type"u8) is not null && root.TryGetProperty("author_id"u8, out _))
        || (root.String("message"u8) == "Rack_Attack" && root.TryGetProperty("remote_ip"u8, out _));

    public void Read(JsonElement root, PayloadContext context)
    {
        if (root.String("message"u8) == "Rack_Attack")
        {
            ReadAuth(root, context);
            return;
        }

        var details = root.Object("details"u8);
        string? Text(string name) => NonEmpty(root.String(name)) ?? NonEmpty(details?.String(name));

        var timestamp = AuditRecords.Time(AuditRecords.Property(root, "created_at"u8)) ?? AuditRecords.Time(AuditRecords.Property(root, "time"u8));
        if (timestamp is null)
        {
            context.Reject("the audit event has neither 'created_at' nor 'time'");
            return;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (ReadOnlySpan<string>)
                 ["entity_type", "entity_id", "entity_path", "target_type", "target_id", "target_details", "author_class", "event_type", "event_name",
                  "with", "change", "from", "to", "add", "remove", "as", "author_id"])
        {
            Add(fields, "gitlab." + name, Text(name));
        }

        Add(fields, "gitlab.caller_id", root.String("meta.caller_id"));
        Add(fields, "gitlab.feature_category", root.String("meta.feature_category"));
        Add(fields, "gitlab.correlation_id", root.String("correlation_id"));
        var custom = AuditRecords.Property(root, "custom_message"u8) ?? (details is { } d ? AuditRecords.Property(d, "custom_message"u8) : null);
        if (custom is { ValueKind: JsonValueKind.String } message) Add(fields, "gitlab.custom_message", message.GetString());
        if (custom is { ValueKind: JsonValueKind.Object } messageObject)
        {
            foreach (var property in messageObject.EnumerateObject()) Add(fields, "gitlab.custom_message." + property.Name, messageObject.String(property.Name));
        }

        var action = Text("event_name") ?? Text("event_type") ?? NamedFromDetails(Text);
        var entityType = Text("entity_type");
        var targetType = Text("target_type");
        var entityPath = Text("entity_path");
        var project = entityType == "Project" ? entityPath ?? (targetType == "Project" ? Text("target_details") : null) : null;
        var namespacePath = entityPath ?? project;
        var ip = Text("ip_address") ?? NonEmpty(root.String("meta.remote_ip"));
        var id = NonEmpty(root.String("id"u8));
        context.Emit(new Event
        {
            Kind = EventKind.Audit,
            Id = id is not null ? $"gitlab:audit:{id}" : AuditRecords.HashId("gitlab:audit:", root),
            Timestamp = timestamp.Value,
            Dataset = AuditDataset,
            Action = action,
            Outcome = action.Contains("fail", StringComparison.OrdinalIgnoreCase) ? Outcome.Failure : Outcome.Success,
            Completed = true,
            Ci = CiContext.ForRepository(project, GitLabHook.Platform),
            Organization = entityType is "Project" or "Group" && namespacePath is not null ? namespacePath.Split('/')[0] : null,
            Client = ip is null ? null : new Client(ip),
            UserName = NonEmpty(root.String("meta.user")) ?? Text("author_name"),
            TargetUser = targetType == "User" ? Text("target_details") : null,
            Fields = fields,
            Origin = context.Origin,
        });
    }

    /// <summary>An <c>auth_json.log</c> line: a request blocked or throttled by Rack::Attack, a failed access by definition.</summary>
    private static void ReadAuth(JsonElement root, PayloadContext context)
    {
        var timestamp = AuditRecords.Time(AuditRecords.Property(root, "time"u8));
        if (timestamp is null)
        {
            context.Reject("the auth log line has no 'time'");
            return;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (ReadOnlySpan<string>)["env", "matched", "request_method", "path", "user_id", "correlation_id", "severity"])
        {
            Add(fields, "gitlab." + name, root.String(name));
        }

        var env = NonEmpty(root.String("env"u8)) ?? "request";
        context.Emit(new Event
        {
            Kind = EventKind.Audit,
            Id = NonEmpty(root.String("correlation_id"u8)) is { } correlation ? $"gitlab:auth:{correlation}" : AuditRecords.HashId("gitlab:auth:", root),
            Timestamp = timestamp.Value,
            Dataset = AuthDataset,
            Action = "rack_attack." + env,
            Outcome = Outcome.Failure,
            Completed = true,
            Ci = CiContext.ForRepository(null, GitLabHook.Platform),
            Client = NonEmpty(root.String("remote_ip"u8)) is { } ip ? new Client(ip) : null,
            UserName = NonEmpty(root.String("username"u8)),
            Fields = fields,
            Origin = context.Origin,
        });
    }

    private static string NamedFromDetails(Func<string, string?> text)
    {
        if (text("with") is not null) return "login";
        if (text("change") is { } change) return "change_" + Snake(change);
        if (text("add") is { } add) return "add_" + Snake(add);
        if (text("remove") is { } remove) return "remove_" + Snake(remove);
        return text("custom_message") is not null ? "custom_event" : "audit_event";
    }

    private static string Snake(string text) => text.Trim().Replace(' ', '_').ToLowerInvariant();

    private static void Add(Dictionary<string, string> fields, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) fields[name] = value;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
