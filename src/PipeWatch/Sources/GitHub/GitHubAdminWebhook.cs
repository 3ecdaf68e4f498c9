using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>What the administrative webhooks (<c>member</c>, <c>repository</c>, <c>deploy_key</c>…) share: the event they map to, in the audit log's vocabulary.</summary>
/// <remarks>
/// Webhook bodies carry no delivery time (it is in the request headers, absent from a saved payload), so the timestamp is the
/// changed object's own <c>updated_at</c>/<c>created_at</c> when it has one, else the repository's <c>updated_at</c>; a payload with
/// neither gets <see cref="AuditRecords.MissingTimestamp"/> and <see cref="AuditRecords.TimestampMissingField"/>.
/// </remarks>
internal static class GitHubAdminWebhook
{
    /// <summary>The webhook's <c>action</c>, or null (the caller rejects).</summary>
    public static string? Action(JsonElement root) => root.String("action"u8) is { Length: > 0 } action ? action : null;

    /// <summary>True when <c>action</c> is one of <paramref name="actions"/>.</summary>
    public static bool ActionIsOneOf(JsonElement root, params ReadOnlySpan<string> actions)
    {
        if (root.String("action"u8) is not { } action) return false;
        foreach (var candidate in actions)
        {
            if (string.Equals(candidate, action, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>The audit event for a webhook: actor = <c>sender.login</c>, organization, repository from the payload.</summary>
    public static Event ToEvent(
        JsonElement root,
        string webhook,
        string action,
        string auditAction,
        string idSuffix,
        DateTimeOffset? objectTime,
        string? targetUser,
        Dictionary<string, string> fields,
        Origin origin)
    {
        var repository = root.Object("repository"u8);
        var timestamp = objectTime ?? repository?.Time("updated_at"u8);
        if (timestamp is null) fields[AuditRecords.TimestampMissingField] = "true";
        fields["github.webhook"] = webhook;
        fields["github.webhook_action"] = action;
        return new Event
        {
            Kind = EventKind.Audit,
            Id = $"github:webhook:{webhook}:{idSuffix}:{action}",
            Timestamp = timestamp ?? AuditRecords.MissingTimestamp,
            TimestampMissing = timestamp is null,
            Dataset = "github." + webhook,
            Action = auditAction,
            Outcome = Outcome.Success,
            Completed = true,
            Ci = CiContext.ForRepository(repository?.LeadingString("full_name"u8), GitHubJob.Platform),
            Organization = Organization(root),
            UserName = root.Object("sender"u8)?.LeadingString("login"u8),
            TargetUser = targetUser,
            Fields = fields,
            Url = repository?.String("html_url"u8),
            Origin = origin,
        };
    }

    /// <summary><c>organization.login</c>, else the repository owner when the owner is an organization.</summary>
    public static string? Organization(JsonElement root)
    {
        if (root.Object("organization"u8)?.LeadingString("login"u8) is { Length: > 0 } login) return login;
        var owner = root.Object("repository"u8)?.Object("owner"u8);
        return owner?.String("type"u8) == "Organization" ? owner?.LeadingString("login"u8) : null;
    }

    /// <summary>An id part: the number, or "-" when absent.</summary>
    public static string Part(long? id) => id?.ToString(CultureInfo.InvariantCulture) ?? "-";

    /// <summary>A scalar's text, an array of scalars comma-joined, or null for objects and nulls.</summary>
    public static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => FieldLimit.Clip(value.GetString()),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Array => string.Join(',', value.EnumerateArray().Select(Scalar).Where(v => !string.IsNullOrEmpty(v))),
        _ => null,
    };

    /// <summary>Adds <paramref name="name"/> when the value is present.</summary>
    public static void Add(Dictionary<string, string> fields, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value)) fields[name] = value;
    }
}
