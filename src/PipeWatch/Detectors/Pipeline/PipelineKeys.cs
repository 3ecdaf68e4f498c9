using PipeWatch.Events;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>The baseline keys of the pipeline detectors: repository, pipeline, job and step, joined unambiguously.</summary>
internal static class PipelineKeys
{
    private const char Separator = '\u001f';

    public static string Run(CiContext ci) => string.Concat(ci.Repository, Separator.ToString(), ci.Pipeline);

    public static string Job(CiContext ci) => string.Join(Separator, ci.Repository, ci.Pipeline, ci.Job);

    /// <summary>A step key; <paramref name="occurrence"/> tells apart steps of the same name in one job.</summary>
    public static string Step(CiContext ci, string step, int occurrence) =>
        string.Join(Separator, ci.Repository, ci.Pipeline, ci.Job, occurrence == 1 ? step : $"{step}#{occurrence}");

    /// <summary>Each step with how many earlier steps of the job share its name, plus one.</summary>
    public static IEnumerable<(StepRecord Step, int Occurrence)> WithOccurrence(IReadOnlyList<StepRecord> steps)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var occurrence = seen[step.Name] = seen.GetValueOrDefault(step.Name) + 1;
            yield return (step, occurrence);
        }
    }
}
