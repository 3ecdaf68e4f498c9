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
        rejection = null;
        var id = job.Int64("id");
        if (id is null)
        {
            rejection = "the job has no numeric 'id'";
            return null;
        }

        repository ??= RepositoryFromApiUrl(job.String("run_url")) ?? RepositoryFromApiUrl(job.String("url"));
        if (repository is null)
        {
            rejection = "no repository: neither 'repository.full_name' nor a '/repos/OWNER/NAME/' URL is present";
            return null;
        }

        var status = job.String("status");
        var started = job.Time("started_at");
        var completed = job.Time("completed_at");
        var timestamp = completed ?? started ?? job.Time("created_at");
        if (timestamp is null)
        {
            rejection = "the job has none of 'completed_at', 'started_at', 'created_at'";
            return null;
        }

        var isCompleted = string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase);
        var attempt = (int)(job.Int64("run_attempt") ?? 1);
        return new Event
        {
            Kind = EventKind.PipelineJob,
            Id = $"github:job:{id}:{attempt}:{status}",
            Timestamp = timestamp.Value,
            Dataset = dataset,
            Action = action ?? status,
            Outcome = isCompleted ? OutcomeNames.Parse(job.String("conclusion")) : Outcome.Unknown,
            Completed = isCompleted,
            Ci = new CiContext(
                repository,
                job.String("workflow_name") ?? "(unnamed workflow)",
                job.String("run_id") ?? "?",
                attempt,
                job.String("name") ?? $"job {id}",
                job.String("head_branch"),
                job.String("head_sha"),
                Platform),
            UserName = sender,
            Start = started,
            End = completed,
            Duration = isCompleted ? JsonFields.Between(started, completed) : null,
            Steps = ReadSteps(job),
            Url = job.String("html_url"),
            Origin = origin,
        };
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
        if (job.Array("steps") is not { } steps) return [];
        var records = new StepRecord[steps.GetArrayLength()];
        var count = 0;
        var ordered = true;
        foreach (var step in steps.EnumerateArray())
        {
            var name = step.String("name");
            if (string.IsNullOrEmpty(name)) continue;
            var number = (int)(step.Int64("number") ?? count + 1);
            var outcome = IsCompleted(step) ? Conclusion(step) : Outcome.Unknown;
            var duration = outcome is Outcome.Success or Outcome.Failure
                ? JsonFields.Between(step.Time("started_at"), step.Time("completed_at"))
                : null;
            ordered &= count == 0 || records[count - 1].Number <= number;
            records[count++] = new StepRecord(name, number, outcome, duration);
        }

        // Step numbers may have gaps (post steps jump ahead); execution order is number order, stable for ties.
        var result = records.AsSpan(0, count).ToArray();
        return ordered ? result : [.. result.OrderBy(s => s.Number)];
    }

    private static bool IsCompleted(JsonElement step) =>
        step.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.ValueEquals("completed"u8);

    /// <summary>The step's conclusion, comparing the common words on the UTF-8 bytes before falling back to a string.</summary>
    private static Outcome Conclusion(JsonElement step)
    {
        if (!step.TryGetProperty("conclusion", out var conclusion) || conclusion.ValueKind != JsonValueKind.String) return Outcome.Unknown;
        if (conclusion.ValueEquals("success"u8)) return Outcome.Success;
        if (conclusion.ValueEquals("skipped"u8)) return Outcome.Skipped;
        return conclusion.ValueEquals("failure"u8) ? Outcome.Failure : OutcomeNames.Parse(conclusion.GetString());
    }
}
