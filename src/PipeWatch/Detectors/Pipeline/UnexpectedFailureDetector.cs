using System.Globalization;
using PipeWatch.Baselines;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Finds a step (or, without step data, a job) that nearly always passes and has now failed.</summary>
/// <remarks>
/// Quiet on a first run (no history), on flaky steps (failure rate above the maximum) and on the second and later
/// failures of a streak: a broken step is one finding until it passes again. Failed steps explain a failed job, so the
/// job itself is reported only when no step was.
/// </remarks>
internal sealed class UnexpectedFailureDetector : IDetector
{
    private readonly UnexpectedFailureOptions _options;

    public UnexpectedFailureDetector(UnexpectedFailureOptions? options = null) => _options = options ?? new UnexpectedFailureOptions();

    public DetectorInfo Info { get; } = new(
        "pipeline.unexpected-failure",
        Categories.UnexpectedFailure,
        [EventKind.PipelineJob],
        "A step or job that nearly always passes failed.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (!e.Completed) return;
        var reported = false;
        var jobKey = PipelineKeys.Job(e.Ci);
        var stepKeys = PipelineKeys.Steps(jobKey, e.Steps);
        for (var i = 0; i < stepKeys.Length; i++)
        {
            var step = e.Steps[i];
            if (step.Outcome is not (Outcome.Success or Outcome.Failure)) continue;
            var history = context.Baselines.Get<OutcomeHistory>(stepKeys[i]);
            if (step.Outcome == Outcome.Failure && IsUnexpected(history))
            {
                Report(e, context, $"Step '{step.Name}' of job '{e.Ci.Job}'", step.Name, history);
                reported = true;
            }

            history.Add(step.Outcome == Outcome.Failure);
        }

        if (e.Outcome is not (Outcome.Success or Outcome.Failure)) return;
        var job = context.Baselines.Get<OutcomeHistory>(jobKey);
        if (!reported && e.Outcome == Outcome.Failure && IsUnexpected(job))
        {
            Report(e, context, $"Job '{e.Ci.Job}'", null, job);
        }

        job.Add(e.Outcome == Outcome.Failure);
    }

    private bool IsUnexpected(OutcomeHistory history) =>
        history.Count >= _options.MinimumSamples
        && history.CurrentStreak == 0
        && history.FailureRate <= _options.MaximumFailureRate;

    private void Report(Event e, DetectionContext context, string what, string? step, OutcomeHistory history)
    {
        var passed = history.Count - history.Failures;
        var rate = history.FailureRate.ToString("0.#%", CultureInfo.InvariantCulture);
        var threshold = _options.MaximumFailureRate.ToString("0.#%", CultureInfo.InvariantCulture);
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = Severity.Medium,
            Title = $"{what} failed; it nearly always passes",
            Explanation = $"{what} failed in run {e.Ci.RunId}; it passed {passed} of its last {history.Count} runs " +
                $"(failure rate {rate}, at most {threshold} counts as nearly always passing).",
            Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, step, e.UserName),
            Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence =
            [
                Evidence.Of("passed", passed.ToString(CultureInfo.InvariantCulture)),
                Evidence.Of("samples", history.Count.ToString(CultureInfo.InvariantCulture)),
                Evidence.Of("failure_rate", history.FailureRate.ToString("0.###", CultureInfo.InvariantCulture)),
            ],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            // The streak starts here, so the run id names this streak of failures.
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, step, e.Ci.RunId),
        });
    }
}
