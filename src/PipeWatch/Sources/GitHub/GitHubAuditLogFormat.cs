using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>One GitHub audit-log entry, as exported (JSON array or JSON Lines), streamed (<c>@timestamp</c>, <c>_document_id</c>) or read from the REST API.</summary>
/// <remarks>
/// Recognized by a dotted <c>action</c> (<c>repo.create</c>) with an <c>actor</c> or a time, which no webhook has (webhook actions have no dot).
/// Scalar properties not mapped to an event field, and those of the older exports' <c>data</c> object, are kept as <c>github.&lt;name&gt;</c>.
/// </remarks>
public sealed class GitHubAuditLogFormat : IPayloadFormat
{
    public const string Dataset = "github.audit";

    /// <summary>Properties mapped to event fields (or of no use to a rule) and so not copied into <see cref="Event.Fields"/>.</summary>
    private static readonly HashSet<string> Mapped =
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

        var organization = Organization(root);
        var documentId = root.String("_document_id"u8);
        var location = root.Object("actor_location"u8);
        var ip = NonEmpty(root.String("actor_ip"u8)) ?? NonEmpty(location?.String("ip"u8));
        var country = NonEmpty(location?.String("country_code"u8))?.ToUpperInvariant();
        var userAgent = NonEmpty(root.String("user_agent"u8));
        context.Emit(new Event
        {
            Kind = EventKind.Audit,
            Id = documentId is { Length: > 0 } ? $"github:audit:{documentId}" : AuditRecords.HashId("github:audit:", root),
            Timestamp = timestamp ?? AuditRecords.MissingTimestamp,
            TimestampMissing = timestamp is null,
            Dataset = Dataset,
            Action = action,
            Outcome = action.Contains("fail", StringComparison.OrdinalIgnoreCase) ? Outcome.Failure : Outcome.Success,
            Completed = true,
            Ci = Ci(root, data, action, organization),
            Organization = organization,
            Client = ip is null && country is null && userAgent is null ? null : new Client(ip, country, userAgent),
            UserName = NonEmpty(root.String("actor"u8)),
            TargetUser = NonEmpty(root.String("user"u8)) ?? NonEmpty(root.String("user_login"u8)),
            Fields = fields,
            Origin = context.Origin,
        });
    }

    /// <summary><c>org</c> is a string in most exports and an array in some enterprise ones; the first names the organization.</summary>
    private static string? Organization(JsonElement root) => AuditRecords.Property(root, "org"u8) switch
    {
        { ValueKind: JsonValueKind.String } org => NonEmpty(org.GetString()),
        { ValueKind: JsonValueKind.Array } orgs => orgs.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.String ? NonEmpty(o.GetString()) : null).FirstOrDefault(o => o is not null),
        _ => null,
    };

    /// <summary>The repository (owner added when the entry names only the repository), and the workflow run for <c>workflows.*</c> actions.</summary>
    private static CiContext Ci(JsonElement root, JsonElement? data, string action, string? organization)
    {
        var repository = NonEmpty(root.String("repo"u8)) ?? NonEmpty(root.String("repository"u8));
        if (repository is not null && !repository.Contains('/') && organization is not null) repository = $"{organization}/{repository}";
        var runId = NonEmpty(root.String("workflow_run_id"u8)) ?? NonEmpty(data?.String("workflow_run_id"u8));
        if (!action.StartsWith("workflows.", StringComparison.Ordinal) && runId is null) return CiContext.ForRepository(repository, GitHubJob.Platform);
        var attempt = root.Int64("run_attempt"u8) ?? data?.Int64("run_attempt"u8) ?? 1;
        return new CiContext(
            repository ?? string.Empty,
            (action.StartsWith("workflows.", StringComparison.Ordinal) ? NonEmpty(root.String("name"u8)) : null) ?? string.Empty,
            runId ?? string.Empty,
            (int)Math.Clamp(attempt, 1, int.MaxValue),
            Job: null,
            NonEmpty(root.String("head_branch"u8)) ?? NonEmpty(data?.String("head_branch"u8)),
            NonEmpty(root.String("head_sha"u8)) ?? NonEmpty(data?.String("head_sha"u8)),
            GitHubJob.Platform);
    }

    /// <summary>Copies scalar properties (and arrays of scalars, comma-joined) as <c>github.&lt;name&gt;</c>, skipping mapped ones and Panther's <c>p_*</c>.</summary>
    private static void CopyScalars(JsonElement element, Dictionary<string, string> fields)
    {
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            if (Mapped.Contains(name) || name.StartsWith("p_", StringComparison.Ordinal)) continue;
            var text = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
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
            .Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())
            .ToList();
        return items.Count == 0 ? null : string.Join(',', items);
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
