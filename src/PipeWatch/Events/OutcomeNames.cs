namespace PipeWatch.Events;

/// <summary>Maps the CI platforms' status and conclusion words onto <see cref="Outcome"/>.</summary>
internal static class OutcomeNames
{
    /// <summary>Reads a GitHub conclusion, GitLab status or Jenkins result, case-insensitively.</summary>
    public static Outcome Parse(string? value) => value?.ToLowerInvariant() switch
    {
        "success" or "passed" or "succeeded" => Outcome.Success,
        "failure" or "failed" or "timed_out" or "startup_failure" or "unstable" or "error" => Outcome.Failure,
        "cancelled" or "canceled" or "aborted" or "not_built" or "stale" => Outcome.Cancelled,
        "skipped" or "neutral" or "manual" or "not_executed" => Outcome.Skipped,
        _ => Outcome.Unknown,
    };

    /// <summary>The ECS <c>event.outcome</c> word for an outcome.</summary>
    public static string ToEcs(this Outcome outcome) => outcome switch
    {
        Outcome.Success => "success",
        Outcome.Failure => "failure",
        _ => "unknown",
    };
}
