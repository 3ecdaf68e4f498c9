using System.Globalization;
using PipeWatch.Baselines;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Finds runs, jobs and steps that take far longer than their own history (miners, exfiltration, stalls).</summary>
/// <remarks>
/// One baseline of durations per run, job and step key; an observation fires when it clears all of: the robust z
/// threshold, the minimum ratio and the minimum increase, on a baseline of at least the minimum samples. One finding per
/// run: the step (or job, or run) furthest above its median leads, the others are listed.
/// </remarks>
internal sealed class LongDurationDetector : IDetector
{
    private readonly LongDurationOptions _options;

    public LongDurationDetector(LongDurationOptions? options = null) => _options = options ?? new LongDurationOptions();

    public DetectorInfo Info { get; } = new(
        "pipeline.long-duration",
        Categories.LongDuration,
        [EventKind.PipelineRun, EventKind.PipelineJob],
        "A run, job or step far longer than its own median (robust z on median and MAD).");

    public void Inspect(Event e, DetectionContext context)
    {
        if (!e.Completed || e.Outcome is not (Outcome.Success or Outcome.Failure)) return;

        var anomalies = new List<Anomaly>();
        if (e.Kind == EventKind.PipelineRun)
        {
            Observe(context, PipelineKeys.Run(e.Ci), "run", e.Ci.Pipeline, null, e.Duration, anomalies);
        }
        else
        {
            var jobKey = PipelineKeys.Job(e.Ci);
            Observe(context, jobKey, "job", e.Ci.Job, null, e.Duration, anomalies);
            var stepKeys = PipelineKeys.Steps(jobKey, e.Steps);
            for (var i = 0; i < stepKeys.Length; i++)
            {
                var step = e.Steps[i];
                if (step.Outcome is Outcome.Success or Outcome.Failure)
                {
                    Observe(context, stepKeys[i], "step", step.Name, step.Name, step.Duration, anomalies);
                }
            }
        }

        if (anomalies.Count > 0) Report(e, context, anomalies);
    }

    private void Observe(DetectionContext context, string key, string level, string? name, string? step, TimeSpan? duration, List<Anomaly> anomalies)
    {
        if (duration is not { } observed) return;
        var seconds = observed.TotalSeconds;
        var baseline = context.Baselines.Get<RollingSample>(key);
        if (baseline.Count >= _options.MinimumSamples
            && seconds >= baseline.Median * _options.MinimumRatio
            && seconds - baseline.Median >= _options.MinimumIncrease.TotalSeconds)
        {
            // The spread is floored at 5% of the median (and 1s) so a perfectly regular history does not turn noise into infinity.
            var score = RobustScore.Of(seconds, baseline, Math.Max(baseline.Median * 0.05, 1.0));
            if (score.Z >= _options.Threshold)
            {
                anomalies.Add(new Anomaly(level == "run" ? $"run of '{name}'" : $"{level} '{name}'", step, score));
            }
        }

        baseline.Add(seconds);
    }

    private void Report(Event e, DetectionContext context, List<Anomaly> anomalies)
    {
        // Steps explain a slow job better than the job itself; among them, the largest excess leads.
        var lead = anomalies.Where(a => a.Step is not null).DefaultIfEmpty().MaxBy(a => a?.Score.Observed - a?.Score.Median)
            ?? anomalies.MaxBy(a => a.Score.Observed - a.Score.Median)!;
        var s = lead.Score;
        var where = e.Kind == EventKind.PipelineJob && lead.Step is not null ? $"{lead.Label} of job '{e.Ci.Job}'" : lead.Label;
        var explanation =
            $"{Capitalize(where)} took {Durations.Format(s.Observed)}; its baseline is a median of {Durations.Format(s.Median)} " +
            $"with a spread (1.4826×MAD) of {Durations.Format(s.Spread)} over {s.Samples} runs: {s.Ratio.ToString("0.0", CultureInfo.InvariantCulture)}× the median, " +
            $"{s.Z.ToString("0.0", CultureInfo.InvariantCulture)} spreads above it (threshold {_options.Threshold.ToString(CultureInfo.InvariantCulture)}, " +
            $"minimum {_options.MinimumRatio.ToString(CultureInfo.InvariantCulture)}× and +{Durations.Format(_options.MinimumIncrease.TotalSeconds)}).";
        var others = anomalies.Where(a => !ReferenceEquals(a, lead)).ToList();
        if (others.Count > 0)
        {
            explanation += " Also above baseline: " + string.Join("; ", others.Select(a =>
                $"{a.Label} {Durations.Format(a.Score.Observed)} (median {Durations.Format(a.Score.Median)})")) + ".";
        }

        var evidence = new List<Evidence>
        {
            Evidence.Of("observed_seconds", s.Observed.ToString("0.###", CultureInfo.InvariantCulture)),
            Evidence.Of("median_seconds", s.Median.ToString("0.###", CultureInfo.InvariantCulture)),
            Evidence.Of("spread_seconds", s.Spread.ToString("0.###", CultureInfo.InvariantCulture)),
            Evidence.Of("samples", s.Samples.ToString(CultureInfo.InvariantCulture)),
            Evidence.Of("robust_z", s.Z.ToString("0.##", CultureInfo.InvariantCulture)),
        };

        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = s.Ratio >= 10 ? Severity.High : Severity.Medium,
            Title = $"{Capitalize(where)} ran {s.Ratio.ToString("0.0", CultureInfo.InvariantCulture)}× longer than usual",
            Explanation = explanation,
            Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, lead.Step, e.UserName),
            Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence = evidence,
            Techniques = ["T1496"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            // One finding per run attempt, whether the run, a job or a step showed it first.
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.RunAttempt.ToString(CultureInfo.InvariantCulture)),
        });
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private sealed record Anomaly(string Label, string? Step, RobustScore Score);
}
