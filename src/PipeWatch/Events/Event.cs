namespace PipeWatch.Events;

/// <summary>One normalized observation from any source: a pipeline run, a job with its steps, an audit-log entry, a deployment.</summary>
/// <remarks>
/// Field names follow the Elastic Common Schema where a field exists there (see <see cref="EventFields"/>);
/// CI-specific fields live under <c>ci.*</c>. Events are immutable and safe to share between threads.
/// </remarks>
public sealed record Event
{
    /// <summary>What the event describes; the engine routes on it.</summary>
    public required EventKind Kind { get; init; }

    /// <summary>A stable id unique to this observation (source, object id, attempt, state); the ingest ledger keys on it.</summary>
    public required string Id { get; init; }

    /// <summary><c>@timestamp</c>: when the observed thing happened (the end of a completed run or job).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>True when the source gave no time at all; <see cref="Timestamp"/> is then the Unix epoch and time-based baselines skip the event.</summary>
    public bool TimestampMissing { get; init; }

    /// <summary><c>event.dataset</c>: the source format, e.g. <c>github.workflow_job</c>.</summary>
    public required string Dataset { get; init; }

    /// <summary><c>event.action</c>: the raw action or state, e.g. <c>completed</c>.</summary>
    public string? Action { get; init; }

    /// <summary><c>event.outcome</c>.</summary>
    public Outcome Outcome { get; init; } = Outcome.Unknown;

    /// <summary>True when the run or job has finished, so duration and outcome are final.</summary>
    public bool Completed { get; init; }

    /// <summary>The CI context: repository, pipeline, run, job. Events that are not about a pipeline carry only the repository, when they have one (see <see cref="CiContext.ForRepository"/>).</summary>
    public required CiContext Ci { get; init; }

    /// <summary><c>organization.name</c>: the GitHub organization, GitLab group or tenant.</summary>
    public string? Organization { get; init; }

    /// <summary>Where the actor acted from, when the source says.</summary>
    public Client? Client { get; init; }

    /// <summary><c>user.target.name</c>: the account acted upon (a member added, a role changed, a token's owner).</summary>
    public string? TargetUser { get; init; }

    /// <summary>The deployment, on <see cref="EventKind.Deployment"/> events.</summary>
    public DeploymentInfo? Deployment { get; init; }

    /// <summary>The commit, on <see cref="EventKind.Commit"/> events.</summary>
    public CommitInfo? Commit { get; init; }

    /// <summary>Further fields by ECS-style dotted name (<c>github.operation_type</c>, <c>kubernetes.namespace</c>…), for rules and explanations.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = EmptyFields;

    private static readonly IReadOnlyDictionary<string, string> EmptyFields = new Dictionary<string, string>(0);

    /// <summary><c>user.name</c>: the account that triggered or ran it, when known.</summary>
    public string? UserName { get; init; }

    /// <summary><c>event.start</c>.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary><c>event.end</c>.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary><c>event.duration</c>, null when the source's timestamps do not give a sane one.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The steps of a job (GitHub steps, Jenkins stages), in execution order; empty when the source has none.</summary>
    public IReadOnlyList<StepRecord> Steps { get; init; } = [];

    /// <summary><c>url.full</c>: where a person can look at the run or job.</summary>
    public string? Url { get; init; }

    /// <summary>Where the event was read from.</summary>
    public required Origin Origin { get; init; }

    /// <summary>The lines of a CI job log section, on <see cref="EventKind.JobLog"/> events.</summary>
    public LogSection? Log { get; init; }

    /// <summary>The packages of a lockfile, manifest or CI definition, on <see cref="EventKind.Dependencies"/> events.</summary>
    public DependencyFile? Dependencies { get; init; }
}

/// <summary>The kinds of event; detectors name the kinds they inspect.</summary>
public enum EventKind
{
    /// <summary>A whole pipeline run (GitHub workflow run, GitLab pipeline, Jenkins build).</summary>
    PipelineRun,

    /// <summary>One job of a run, with its steps when the source reports them.</summary>
    PipelineJob,

    /// <summary>An audit-log entry: an actor did an action (<see cref="Event.Action"/>) on something; logins, settings, members, secrets, tokens.</summary>
    Audit,

    /// <summary>A deployment (or a change of its state) to a target environment.</summary>
    Deployment,

    /// <summary>A commit pushed (push webhooks) or found in a scanned history, with <see cref="Event.Commit"/> set.</summary>
    Commit,

    /// <summary>A section of a CI job log (one step, or part of one), its lines in <see cref="Event.Log"/>.</summary>
    JobLog,

    /// <summary>Host telemetry from a runner or build machine: a process started, a network connection, a file opened; <c>event.category</c> in <see cref="Event.Fields"/> says which.</summary>
    Telemetry,

    /// <summary>A lockfile, manifest or CI definition as it is now (<c>ingest</c> of a file or a checkout), its packages in <see cref="Event.Dependencies"/>.</summary>
    Dependencies,
}

/// <summary><c>event.outcome</c> values, plus the CI states that are neither success nor failure.</summary>
public enum Outcome
{
    Unknown,
    Success,
    Failure,
    Cancelled,
    Skipped,
}

/// <summary>The <c>ci.*</c> fields.</summary>
/// <param name="Repository"><c>ci.repository</c>, e.g. <c>octo-org/octo-repo</c>.</param>
/// <param name="Pipeline"><c>ci.pipeline</c>: the workflow, GitLab project pipeline or Jenkins job name.</param>
/// <param name="RunId"><c>ci.run_id</c>.</param>
/// <param name="RunAttempt"><c>ci.run_attempt</c>, 1 for a first attempt.</param>
/// <param name="Job"><c>ci.job</c>, null on run events.</param>
/// <param name="Branch"><c>ci.branch</c>.</param>
/// <param name="Commit"><c>ci.commit</c>: the head SHA.</param>
/// <param name="Platform"><c>ci.platform</c>: github, gitlab or jenkins.</param>
public sealed record CiContext(
    string Repository,
    string Pipeline,
    string RunId,
    int RunAttempt = 1,
    string? Job = null,
    string? Branch = null,
    string? Commit = null,
    string? Platform = null)
{
    /// <summary>The context of an event that is about a repository but not a pipeline run: empty pipeline and run.</summary>
    public static CiContext ForRepository(string? repository, string? platform = null) => new(repository ?? string.Empty, string.Empty, string.Empty, Platform: platform);
}

/// <summary>Where an actor acted from.</summary>
/// <param name="Ip"><c>source.ip</c>.</param>
/// <param name="CountryCode"><c>source.geo.country_iso_code</c>: ISO 3166-1 alpha-2, upper case.</param>
/// <param name="UserAgent"><c>user_agent.original</c>.</param>
public sealed record Client(string? Ip = null, string? CountryCode = null, string? UserAgent = null);

/// <summary>A deployment: where to, what, and its state.</summary>
/// <param name="Environment"><c>deployment.environment</c>: production, staging…</param>
/// <param name="Target"><c>deployment.target</c>: the cluster/namespace, host, account or URL deployed to, when known.</param>
/// <param name="Service"><c>service.name</c>.</param>
/// <param name="Version"><c>service.version</c> or the deployed ref/SHA.</param>
/// <param name="State"><c>deployment.state</c>: created, pending, success, failure, waiting (for review)…</param>
public sealed record DeploymentInfo(string Environment, string? Target = null, string? Service = null, string? Version = null, string? State = null);

/// <summary>One step of a job as the source reported it.</summary>
/// <param name="Name"><c>ci.step</c>.</param>
/// <param name="Number">The source's own step number; may have gaps.</param>
/// <param name="Outcome">The step's outcome.</param>
/// <param name="Duration">Null when the step did not run or its timestamps are inconsistent.</param>
public sealed record StepRecord(string Name, int Number, Outcome Outcome, TimeSpan? Duration);

/// <summary>Where an event came from: the file, and the line for line-oriented formats.</summary>
public sealed record Origin(string File, int? Line = null)
{
    /// <inheritdoc />
    public override string ToString() => Line is { } line ? $"{File}:{line}" : File;
}
