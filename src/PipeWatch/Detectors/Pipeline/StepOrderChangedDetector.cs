using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Finds jobs whose steps were added, removed or reordered against the learned sequence of that job.</summary>
/// <remarks>
/// Each distinct new sequence is reported once (its hash is in the fingerprint); a sequence seen before, as a known
/// variant, is quiet, and one that repeats becomes the new normal. Jobs without step data are not inspected.
/// </remarks>
internal sealed class StepOrderChangedDetector : IDetector
{
    private readonly StepOrderChangedOptions _options;

    public StepOrderChangedDetector(StepOrderChangedOptions? options = null) => _options = options ?? new StepOrderChangedOptions();

    public DetectorInfo Info { get; } = new(
        "pipeline.step-order-changed",
        Categories.StepOrderChanged,
        [EventKind.PipelineJob],
        "Steps added, removed or reordered against the job's learned sequence.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (!e.Completed || e.Steps.Count == 0) return;
        var observed = new string[e.Steps.Count];
        for (var i = 0; i < observed.Length; i++)
        {
            observed[i] = e.Steps[i].Name;
        }

        var hash = StepSequence.Hash(observed);
        var baseline = context.Baselines.Get<StepSequence>(PipelineKeys.Job(e.Ci));
        if (baseline.Samples >= _options.MinimumSamples && !baseline.IsKnown(hash))
        {
            Report(e, context, baseline.Learned, observed, hash, baseline.Samples);
        }

        baseline.Observe(observed, hash, _options.AdoptAfter);
    }

    private void Report(Event e, DetectionContext context, IReadOnlyList<string> learned, string[] observed, ulong hash, int samples)
    {
        var diff = StepSequenceDiff.Between(learned, observed);
        var counts = new List<string>(3);
        if (diff.Added.Count > 0) counts.Add($"{diff.Added.Count} added");
        if (diff.Removed.Count > 0) counts.Add($"{diff.Removed.Count} removed");
        if (diff.Moved.Count > 0) counts.Add($"{diff.Moved.Count} moved");
        var lead = diff.Added.FirstOrDefault() ?? diff.Moved.FirstOrDefault() ?? diff.Removed.FirstOrDefault();
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = diff.Added.Count > 0 ? Severity.High : Severity.Medium,
            Title = $"Steps of job '{e.Ci.Job}' changed: {string.Join(", ", counts)}",
            Explanation = $"In run {e.Ci.RunId}, job '{e.Ci.Job}' ran {observed.Length} steps against a sequence of {learned.Count} " +
                $"learned over {samples.ToString(CultureInfo.InvariantCulture)} runs: {string.Join("; ", diff.Descriptions)}.",
            Entity = new Entity(e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, lead, e.UserName),
            Location = new Location(e.Ci.RunId, e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence =
            [
                Evidence.Of("learned_steps", string.Join(" → ", learned)),
                Evidence.Of("observed_steps", string.Join(" → ", observed)),
                Evidence.Of("samples", samples.ToString(CultureInfo.InvariantCulture)),
            ],
            Techniques = ["T1195.002"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            Fingerprint = Fingerprint.Of(Info.Id, e.Ci.Repository, e.Ci.Pipeline, e.Ci.Job, hash.ToString("x16", CultureInfo.InvariantCulture)),
        });
    }
}
