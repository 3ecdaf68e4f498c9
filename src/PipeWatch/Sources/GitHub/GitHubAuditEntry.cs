using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>The values of one audit-log entry that make its event, as either path reads them (<see cref="GitHubAuditLogFormat"/>, <see cref="GitHubAuditLogReader"/>).</summary>
/// <remarks>Each string is what <c>JsonFields.String</c> gives (numbers and booleans in their JSON text, otherwise null); the <c>Data…</c> values come from the older exports' <c>data</c> object.</remarks>
internal struct GitHubAuditEntry
{
    public string Action;
    public DateTimeOffset? Timestamp;
    public string? DocumentId;
    public string? Organization;
    public string? ActorIp;
    public string? LocationIp;
    public string? CountryCode;
    public string? UserAgent;
    public string? Actor;
    public string? User;
    public string? UserLogin;
    public string? Repo;
    public string? Repository;
    public string? Name;
    public string? RunId;
    public long? RunAttempt;
    public string? HeadBranch;
    public string? HeadSha;
    public string? DataRunId;
    public long? DataRunAttempt;
    public string? DataHeadBranch;
    public string? DataHeadSha;

    /// <summary>True when the entry has no <c>_document_id</c>, and its id must be hashed from its JSON.</summary>
    public readonly bool NeedsHashId => DocumentId is not { Length: > 0 };

    /// <summary>The event; <paramref name="hashId"/> is its id when <see cref="NeedsHashId"/>, and ignored otherwise.</summary>
    public readonly Event ToEvent(Dictionary<string, string> fields, string? hashId, Origin origin)
    {
        var ip = NonEmpty(ActorIp) ?? NonEmpty(LocationIp);
        var country = NonEmpty(CountryCode)?.ToUpperInvariant();
        var userAgent = NonEmpty(UserAgent);
        return new Event
        {
            Kind = EventKind.Audit,
            Id = NeedsHashId ? hashId! : $"github:audit:{DocumentId}",
            Timestamp = Timestamp ?? AuditRecords.MissingTimestamp,
            TimestampMissing = Timestamp is null,
            Dataset = GitHubAuditLogFormat.Dataset,
            Action = Action,
            Outcome = Action.Contains("fail", StringComparison.OrdinalIgnoreCase) ? Outcome.Failure : Outcome.Success,
            Completed = true,
            Ci = Ci(),
            Organization = Organization,
            Client = ip is null && country is null && userAgent is null ? null : new Client(ip, country, userAgent),
            UserName = NonEmpty(Actor),
            TargetUser = NonEmpty(User) ?? NonEmpty(UserLogin),
            Fields = fields,
            Origin = origin,
        };
    }

    /// <summary>The repository (owner added when the entry names only the repository), and the workflow run for <c>workflows.*</c> actions.</summary>
    private readonly CiContext Ci()
    {
        var repository = NonEmpty(Repo) ?? NonEmpty(Repository);
        if (repository is not null && !repository.Contains('/') && Organization is not null) repository = $"{Organization}/{repository}";
        var runId = NonEmpty(RunId) ?? NonEmpty(DataRunId);
        var workflows = Action.StartsWith("workflows.", StringComparison.Ordinal);
        if (!workflows && runId is null) return CiContext.ForRepository(repository, GitHubJob.Platform);
        var attempt = RunAttempt ?? DataRunAttempt ?? 1;
        return new CiContext(
            repository ?? string.Empty,
            (workflows ? NonEmpty(Name) : null) ?? string.Empty,
            runId ?? string.Empty,
            (int)Math.Clamp(attempt, 1, int.MaxValue),
            Job: null,
            NonEmpty(HeadBranch) ?? NonEmpty(DataHeadBranch),
            NonEmpty(HeadSha) ?? NonEmpty(DataHeadSha),
            GitHubJob.Platform);
    }

    public static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
