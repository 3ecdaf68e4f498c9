using System.Globalization;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitLab;

/// <summary>What the GitLab pipeline and job hooks share: the platform name, the default pipeline key, finished states and the job event.</summary>
internal static class GitLabHook
{
    public const string Platform = "gitlab";

    /// <summary>Why a hook without a project path is rejected.</summary>
    public const string NoRepository = "no repository: neither 'project.path_with_namespace' nor 'project.web_url' is present";

    /// <summary>The project's path (<c>group/sub/name</c>) from <c>project.path_with_namespace</c>, else from <c>project.web_url</c>.</summary>
    public static string? ProjectRepository(JsonElement root)
    {
        var project = root.Object("project");
        return project?.String("path_with_namespace") ?? GitRemotes.RepositoryPath(project?.String("web_url"));
    }

    /// <summary>
    /// The pipeline key of a run without a name. GitLab pipelines are per project and job hooks carry no pipeline name,
    /// so all unnamed runs of a project (and every job hook) share this key and therefore one baseline.
    /// </summary>
    public const string DefaultPipeline = "pipeline";

    /// <summary>GitLab statuses after which nothing changes; created, pending, running, manual and the like are not final.</summary>
    public static bool IsFinished(string? status) => status?.ToLowerInvariant() is "success" or "failed" or "canceled" or "cancelled" or "skipped";

    /// <summary>A non-negative number of seconds as a span, or null.</summary>
    public static TimeSpan? Seconds(double? seconds) =>
        seconds is { } s && s >= 0 && s < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(s) : null;

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The <see cref="EventKind.PipelineJob"/> event of one GitLab job (a pipeline hook's build or a job hook), with the run's
    /// CI fields and the job's name; <paramref name="fallbackTime"/> (the pipeline's) stands in when the job has no timestamp.
    /// Null when no timestamp is known at all.
    /// </summary>
    public static Event? JobEvent(GitLabJobFields job, CiContext run, string? user, string dataset, DateTimeOffset? fallbackTime, Origin origin)
    {
        var completed = IsFinished(job.Status);
        var outcome = completed ? OutcomeNames.Parse(job.Status) : Outcome.Unknown;
        var timestamp = (completed ? job.Finished : null) ?? job.Started ?? job.Created ?? job.Finished ?? fallbackTime;
        if (timestamp is null) return null;

        return new Event
        {
            Kind = EventKind.PipelineJob,
            Id = $"gitlab:job:{Invariant(job.Id)}:{job.Status ?? "unknown"}",
            Timestamp = timestamp.Value,
            Dataset = dataset,
            Action = job.Status,
            Outcome = outcome,
            Completed = completed,
            Ci = run with { Job = string.IsNullOrEmpty(job.Name) ? $"job {Invariant(job.Id)}" : job.Name },
            UserName = user,
            Start = job.Started,
            End = completed ? job.Finished : null,
            Duration = completed ? JobDuration(job, outcome) : null,
            Origin = origin,
        };
    }

    /// <summary>
    /// Null when finished precedes started: such a payload contradicts itself and its reported duration is not trusted either.
    /// Otherwise GitLab's own <c>duration</c> (sub-second, like the pipeline's) for jobs that ran (succeeded or failed; skipped
    /// and canceled jobs can carry stale numbers), else started→finished.
    /// </summary>
    private static TimeSpan? JobDuration(GitLabJobFields job, Outcome outcome)
    {
        if (job.Started is { } started && job.Finished is { } finished && finished < started) return null;
        var reported = outcome is Outcome.Success or Outcome.Failure ? Seconds(job.ReportedSeconds) : null;
        return reported ?? JsonFields.Between(job.Started, job.Finished);
    }
}

/// <summary>The fields of one GitLab job, whichever hook they came from.</summary>
internal sealed record GitLabJobFields(
    long Id,
    string? Name,
    string? Status,
    DateTimeOffset? Created,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    double? ReportedSeconds)
{
    /// <summary>A build of a pipeline hook: <c>id</c>, <c>name</c>, <c>status</c>, <c>created_at</c>, <c>started_at</c>, <c>finished_at</c>, <c>duration</c>.</summary>
    public static GitLabJobFields? FromBuild(JsonElement build) =>
        build.Int64("id") is { } id
            ? new(id, build.String("name"), build.String("status"), build.Time("created_at"), build.Time("started_at"), build.Time("finished_at"), build.Double("duration"))
            : null;
}
