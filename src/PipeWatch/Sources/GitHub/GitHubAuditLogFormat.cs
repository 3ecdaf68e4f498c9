using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>One GitHub audit-log entry, as exported (JSON array or JSON Lines), streamed (<c>@timestamp</c>, <c>_document_id</c>) or read from the REST API.</summary>
/// <remarks>
/// Recognized by a dotted <c>action</c> (<c>repo.create</c>) with an <c>actor</c> or a time, which no webhook has (webhook actions have no dot).
/// Scalar properties not mapped to an event field, and those of the older exports' <c>data</c> object, are kept as <c>github.&lt;name&gt;</c>.
/// </remarks>
internal sealed class GitHubAuditLogFormat : IPayloadFormat
{
    public const string Dataset = "github.audit";

    /// <summary>Properties mapped to event fields (or of no use to a rule) and so not copied into <see cref="Event.Fields"/>.</summary>
    internal static readonly HashSet<string> Mapped =
    [
        "action", "actor", "user", "user_login", "org", "repo", "repository", "@timestamp", "at_sign_timestamp", "created_at",
        "_document_id", "actor_ip", "actor_location", "user_agent", "data", "config",
    ];

    public string Id => "github-audit";

    public bool Recognizes(JsonElement root) =>
        AuditRecords.Property(root, "action"u8) is { ValueKind: JsonValueKind.String } action && action.GetString()!.Contains('.')
        && (root.TryGetProperty("actor"u8, out _) || root.TryGetProperty("@timestamp"u8, out _) || root.TryGetProperty("created_at"u8, out _)
            || root.TryGetProperty("_document_id"u8, out _))
        && root.Object("workflow_job"u8) is null && root.Object("workflow_run"u8) is null;

    public void Read(JsonElement root, PayloadContext context)
    {
        var action = root.String("action"u8);
        if (string.IsNullOrEmpty(action))
        {
            context.Reject("no 'action'");
            return;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var timestamp = AuditRecords.Time(AuditRecords.Property(root, "@timestamp"u8)) ?? AuditRecords.Time(AuditRecords.Property(root, "at_sign_timestamp"u8))
            ?? AuditRecords.Time(AuditRecords.Property(root, "created_at"u8)) ?? AuditRecords.Time(AuditRecords.Property(root, "p_event_time"u8));
        if (timestamp is null) fields[AuditRecords.TimestampMissingField] = "true";

        var data = root.Object("data"u8);
        CopyScalars(root, fields);
        if (data is { } details) CopyScalars(details, fields);
        if (root.Object("config"u8)?.String("url"u8) is { Length: > 0 } hookUrl) fields["github.config.url"] = hookUrl;

        var location = root.Object("actor_location"u8);
        var entry = new GitHubAuditEntry
        {
            Action = action,
            Timestamp = timestamp,
            DocumentId = root.String("_document_id"u8),
            Organization = Organization(root),
            ActorIp = root.String("actor_ip"u8),
            LocationIp = location?.String("ip"u8),
            CountryCode = location?.String("country_code"u8),
            UserAgent = root.String("user_agent"u8),
            Actor = root.String("actor"u8),
            User = root.String("user"u8),
            UserLogin = root.String("user_login"u8),
            Repo = root.String("repo"u8),
            Repository = root.String("repository"u8),
            Name = root.String("name"u8),
            RunId = root.String("workflow_run_id"u8),
            RunAttempt = root.Int64("run_attempt"u8),
            HeadBranch = root.String("head_branch"u8),
            HeadSha = root.String("head_sha"u8),
            DataRunId = data?.String("workflow_run_id"u8),
            DataRunAttempt = data?.Int64("run_attempt"u8),
            DataHeadBranch = data?.String("head_branch"u8),
            DataHeadSha = data?.String("head_sha"u8),
        };
        context.Emit(entry.ToEvent(fields, entry.NeedsHashId ? AuditRecords.HashId("github:audit:", root) : null, context.Origin));
    }

    /// <summary><c>org</c> is a string in most exports and an array in some enterprise ones; the first names the organization.</summary>
    private static string? Organization(JsonElement root) => AuditRecords.Property(root, "org"u8) switch
    {
        { ValueKind: JsonValueKind.String } org => NonEmpty(org.GetString()),
        { ValueKind: JsonValueKind.Array } orgs => orgs.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.String ? NonEmpty(o.GetString()) : null).FirstOrDefault(o => o is not null),
        _ => null,
    };

    /// <summary>Copies scalar properties (and arrays of scalars, comma-joined) as <c>github.&lt;name&gt;</c>, skipping mapped ones and Panther's <c>p_*</c>.</summary>
    private static void CopyScalars(JsonElement element, Dictionary<string, string> fields)
    {
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            if (Mapped.Contains(name) || name.StartsWith("p_", StringComparison.Ordinal)) continue;
            var text = property.Value.ValueKind switch
            {
                JsonValueKind.String => FieldLimit.Clip(property.Value.GetString()),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                JsonValueKind.Array => JoinScalars(property.Value),
                _ => null,
            };
            if (!string.IsNullOrEmpty(text)) fields.TryAdd("github." + name, text);
        }
    }

    private static string? JoinScalars(JsonElement array)
    {
        var items = array.EnumerateArray()
            .Where(v => v.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            .Select(v => v.ValueKind == JsonValueKind.String ? FieldLimit.Clip(v.GetString()) : v.GetRawText())
            .ToList();
        return items.Count == 0 ? null : string.Join(',', items);
    }

    private static string? NonEmpty(string? text) => GitHubAuditEntry.NonEmpty(text);
}
