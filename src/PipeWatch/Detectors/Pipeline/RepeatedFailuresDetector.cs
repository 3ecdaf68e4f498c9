using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Finds a workflow that used to pass and has now failed N runs in a row.</summary>
/// <remarks>
/// One finding per streak, raised when it reaches the configured length; a workflow that never passed is not reported (it is broken, not attacked).
/// From run events (GitHub <c>workflow_run</c>, GitLab pipelines, Jenkins builds) when they come; where only job events come (a
/// <c>workflow_job</c> subscription), each job's own streak over distinct runs is the signal.
/// </remarks>
internal sealed class RepeatedFailuresDetector : IDetector
{
    private readonly RepeatedFailuresOptions _options;

    public RepeatedFailuresDetector(RepeatedFailuresOptions? options = null) => _options = options ?? new RepeatedFailuresOptions();

    public DetectorInfo Info { get; } = new(
        "pipeline.repeated-failures",
        Categories.RepeatedFailures,
        [EventKind.PipelineRun, EventKind.PipelineJob],
        "A streak of failed runs of one workflow (or, from job events alone, of one job) that used to pass.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (!e.Completed || e.Outcome is not (Outcome.Success or Outcome.Failure)) return;
        if (e.Kind == EventKind.PipelineJob)
        {
            InspectJob(e, context);
            return;
        }

        var streak = context.Baselines.Get<FailureStreak>(PipelineKeys.Run(e.Ci));
        var before = streak.Length;
        streak.Observe(e.Ci.RunId, e.Outcome == Outcome.Failure);
        if (streak.Length == _options.Streak && before < streak.Length && streak.Successes > 0)
        {
            context.Report(new Finding
            {
                Rule = Info.Id,
                Category = Info.Category,
                Severity = Severity.Medium,
                Title = $"'{e.Ci.Pipeline}' failed {streak.Length} runs in a row",
                Explanation = $"Runs of '{e.Ci.Pipeline}' failed {streak.Length} times in a row, from run {streak.FirstRunId} to run {e.Ci.RunId}, " +
                    $"after {streak.Successes.ToString(CultureInfo.InvariantCulture)} successful runs (threshold {_options.Streak} in a row).",
                Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, Actor: e.UserName),
                Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
                Evidence =
                [
                    Evidence.Of("streak", streak.Length.ToString(CultureInfo.InvariantCulture)),
                    Evidence.Of("first_failed_run", streak.FirstRunId ?? "?"),
                    Evidence.Of("successes_before", streak.Successes.ToString(CultureInfo.InvariantCulture)),
                ],
                Timestamp = e.Timestamp,
                DetectedAt = context.Now,
                Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, streak.FirstRunId),
            });
        }
    }

    private void InspectJob(Event e, DetectionContext context)
    {
        // Where run events for the workflow come too, the run's streak speaks; a job streak would say the same thing twice.
        if (context.Baselines.Get<FailureStreak>(PipelineKeys.Run(e.Ci)).LastRunId is not null) return;
        var streak = context.Baselines.Get<FailureStreak>(PipelineKeys.Job(e.Ci));
        var before = streak.Length;
        streak.Observe(e.Ci.RunId, e.Outcome == Outcome.Failure);
        if (streak.Length != _options.Streak || before >= streak.Length || streak.Successes == 0) return;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = $"Job '{e.Ci.Job}' of '{e.Ci.Pipeline}' failed {streak.Length} runs in a row",
            Explanation = $"Job '{e.Ci.Job}' of '{e.Ci.Pipeline}' failed in {streak.Length} runs in a row, from run {streak.FirstRunId} to run {e.Ci.RunId}, " +
                $"after passing in {streak.Successes.ToString(CultureInfo.InvariantCulture)} runs (threshold {_options.Streak} in a row; only job events were received for this workflow, so each job's streak is judged).",
            Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, Actor: e.UserName),
            Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence =
            [
                Evidence.Of("job", e.Ci.Job ?? "?"),
                Evidence.Of("streak", streak.Length.ToString(CultureInfo.InvariantCulture)),
                Evidence.Of("first_failed_run", streak.FirstRunId ?? "?"),
                Evidence.Of("successes_before", streak.Successes.ToString(CultureInfo.InvariantCulture)),
            ],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, streak.FirstRunId),
        });
    }
}
