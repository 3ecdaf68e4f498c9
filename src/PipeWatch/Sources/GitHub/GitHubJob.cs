using System.Runtime.InteropServices;
using System.Text.Json;
using PipeWatch.Events;

namespace PipeWatch.Sources.GitHub;

/// <summary>Maps a GitHub Actions job object (the same shape in the <c>workflow_job</c> webhook and the REST jobs list) to an event.</summary>
internal static class GitHubJob
{
    public const string Platform = "github";

    /// <summary>The event for one job, or a rejection reason.</summary>
    public static Event? ToEvent(JsonElement job, string? repository, string? sender, string? action, string dataset, Origin origin, out string? rejection)
    {
        var fields = new GitHubJobFields
        {
            Id = job.Int64("id"u8),
            RunUrl = job.String("run_url"u8),
            Url = job.String("url"u8),
            Status = job.String("status"u8),
            StartedAt = job.Time("started_at"u8),
            CompletedAt = job.Time("completed_at"u8),
            CreatedAt = job.Time("created_at"u8),
            RunAttempt = job.Int64("run_attempt"u8),
            Conclusion = job.String("conclusion"u8),
            WorkflowName = job.String("workflow_name"u8),
            RunId = job.String("run_id"u8),
            Name = job.String("name"u8),
            HeadBranch = job.String("head_branch"u8),
            HeadSha = job.String("head_sha"u8),
            HtmlUrl = job.String("html_url"u8),
            Steps = ReadSteps(job),
        };
        return ToEvent(in fields, repository, sender, action, dataset, origin, out rejection);
    }

    /// <summary>The event for one job whose fields are already read (from a DOM or straight from the bytes), or a rejection reason.</summary>
    public static Event? ToEvent(in GitHubJobFields job, string? repository, string? sender, string? action, string dataset, Origin origin, out string? rejection)
    {
        rejection = null;
        if (job.Id is not { } id)
        {
            rejection = "the job has no numeric 'id'";
            return null;
        }

        repository ??= RepositoryFromApiUrl(job.RunUrl) ?? RepositoryFromApiUrl(job.Url);
        if (repository is null)
        {
            rejection = "no repository: neither 'repository.full_name' nor a '/repos/OWNER/NAME/' URL is present";
            return null;
        }

        var status = job.Status;
        var started = job.StartedAt;
        var completed = job.CompletedAt;
        var timestamp = completed ?? started ?? job.CreatedAt;
        if (timestamp is null)
        {
            rejection = "the job has none of 'completed_at', 'started_at', 'created_at'";
            return null;
        }

        var isCompleted = string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase);
        var attempt = (int)(job.RunAttempt ?? 1);
        return new Event
        {
            Kind = EventKind.PipelineJob,
            Id = $"github:job:{id}:{attempt}:{status}",
            Timestamp = timestamp.Value,
            Dataset = dataset,
            Action = action ?? status,
            Outcome = isCompleted ? OutcomeNames.Parse(job.Conclusion) : Outcome.Unknown,
            Completed = isCompleted,
            Ci = new CiContext(
                repository,
                job.WorkflowName ?? "(unnamed workflow)",
                job.RunId ?? "?",
                attempt,
                job.Name ?? $"job {id}",
                job.HeadBranch,
                job.HeadSha,
                Platform),
            UserName = sender,
            Start = started,
            End = completed,
            Duration = isCompleted ? JsonFields.Between(started, completed) : null,
            Steps = job.Steps,
            Url = job.HtmlUrl,
            Origin = origin,
        };
    }

    /// <summary>A step as the job reports it: the conclusion counts once the step completed, and only a step that succeeded or failed has a duration.</summary>
    /// <param name="name">The step's name; a step without one is dropped (null is returned).</param>
    /// <param name="number">The step's number, or null to take <paramref name="defaultNumber"/> (its position among the kept steps).</param>
    /// <param name="times">Reads the step's start and end; called only when the duration counts.</param>
    internal static StepRecord? Step<TState>(
        string? name, int? number, int defaultNumber, bool completed, Outcome conclusion, TState state, Func<TState, (DateTimeOffset? Start, DateTimeOffset? End)> times)
    {
        if (string.IsNullOrEmpty(name)) return null;
        var outcome = completed ? conclusion : Outcome.Unknown;
        TimeSpan? duration = null;
        if (outcome is Outcome.Success or Outcome.Failure)
        {
            var (start, end) = times(state);
            duration = JsonFields.Between(start, end);
        }

        return new StepRecord(name, number ?? defaultNumber, outcome, duration);
    }

    /// <summary>
    /// The steps in execution order: number order, stable for ties (numbers may have gaps: post steps jump ahead).
    /// <paramref name="ordered"/> says the records are already in that order, as they nearly always are.
    /// </summary>
    internal static IReadOnlyList<StepRecord> InExecutionOrder(ReadOnlySpan<StepRecord> records, bool ordered)
    {
        var result = records.ToArray();
        return ordered ? result : [.. result.OrderBy(s => s.Number)];
    }

    /// <summary>"https://api.github.com/repos/octo-org/octo-repo/actions/…" → "octo-org/octo-repo".</summary>
    internal static string? RepositoryFromApiUrl(string? url)
    {
        if (url is null) return null;
        var at = url.IndexOf("/repos/", StringComparison.Ordinal);
        if (at < 0) return null;
        var parts = url[(at + 7)..].Split('/', 3);
        return parts.Length >= 2 && parts[0].Length > 0 && parts[1].Length > 0 ? $"{parts[0]}/{parts[1]}" : null;
    }

    private static IReadOnlyList<StepRecord> ReadSteps(JsonElement job)
    {
        if (job.Array("steps"u8) is not { } steps) return [];
        var records = new StepRecord[steps.GetArrayLength()];
        var count = 0;
        var ordered = true;
        foreach (var step in steps.EnumerateArray())
        {
            if (ReadStep(step, count + 1) is not { } record) continue;
            ordered &= count == 0 || records[count - 1].Number <= record.Number;
            records[count++] = record;
        }

        return InExecutionOrder(records.AsSpan(0, count), ordered);
    }

    /// <summary>One step, read in a single pass over its properties (this runs for every step of every job).</summary>
    private static StepRecord? ReadStep(JsonElement step, int defaultNumber)
    {
        if (step.ValueKind != JsonValueKind.Object) return null;
        string? name = null;
        int? number = null;
        var completed = false;
        var conclusion = Outcome.Unknown;
        JsonElement? started = null, ended = null;
        foreach (var property in step.EnumerateObject())
        {
            var value = property.Value;
            switch (JsonMarshal.GetRawUtf8PropertyName(property).Length)
            {
                case 4 when property.NameEquals("name"u8): name = value.ValueKind == JsonValueKind.String ? FieldLimit.Clip(value.GetString()) : null; break;
                case 6 when property.NameEquals("number"u8): number = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null; break;
                case 6 when property.NameEquals("status"u8): completed = value.ValueKind == JsonValueKind.String && value.ValueEquals("completed"u8); break;
                case 10 when property.NameEquals("conclusion"u8): conclusion = Conclusion(value); break;
                case 10 when property.NameEquals("started_at"u8): started = value; break;
                case 12 when property.NameEquals("completed_at"u8): ended = value; break;
            }
        }

        return Step(name, number, defaultNumber, completed, conclusion, (started, ended), static t => (JsonFields.AsTime(t.started), JsonFields.AsTime(t.ended)));
    }

    /// <summary>The step's conclusion, comparing the common words on the UTF-8 bytes before falling back to a string.</summary>
    private static Outcome Conclusion(JsonElement conclusion)
    {
        if (conclusion.ValueKind != JsonValueKind.String) return Outcome.Unknown;
        if (conclusion.ValueEquals("success"u8)) return Outcome.Success;
        if (conclusion.ValueEquals("skipped"u8)) return Outcome.Skipped;
        return conclusion.ValueEquals("failure"u8) ? Outcome.Failure : OutcomeNames.Parse(conclusion.GetString());
    }
}
