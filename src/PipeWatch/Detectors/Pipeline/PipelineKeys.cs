using PipeWatch.Events;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>
/// The baseline keys of the pipeline detectors: repository, pipeline, job and step joined with a separator that does
/// not occur in names. Run, job and step keys have two, three and four parts, so they never collide.
/// </summary>
internal static class PipelineKeys
{
    private const string Separator = "\u001f";

    public static string Run(CiContext ci) => string.Concat(ci.Repository, Separator, ci.Pipeline);

    public static string Job(CiContext ci) => string.Concat(ci.Repository, Separator, ci.Pipeline, Separator, ci.Job);

    /// <summary>
    /// One key per step of the job, in order; a step whose name an earlier step of the job already had gets
    /// "#2", "#3"… so repeated names (two checkouts) keep separate baselines.
    /// </summary>
    public static string[] Steps(string jobKey, IReadOnlyList<StepRecord> steps)
    {
        var keys = new string[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            var occurrence = 1;
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(steps[j].Name, steps[i].Name, StringComparison.Ordinal)) occurrence++;
            }

            keys[i] = occurrence == 1
                ? string.Concat(jobKey, Separator, steps[i].Name)
                : string.Concat(jobKey, Separator, steps[i].Name, "#", occurrence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return keys;
    }
}
