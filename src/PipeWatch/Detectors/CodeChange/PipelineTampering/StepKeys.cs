using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>How an issue's key names a step so that it survives the step's next version bump.</summary>
internal static class StepKeys
{
    /// <summary>
    /// The job and the step's label, with the ref left out when the label is the action it uses: moving
    /// <c>actions/setup-python@5ccb29d…</c> to <c>@d27e3f3…</c> (a Dependabot bump) keeps a weakness the file already had, not a new one.
    /// </summary>
    public static string Of(CiStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var label = step.Uses?.Value is { } uses && step.Label == uses ? uses.Split('@')[0] : step.Label;
        return $"{step.Job}|{label}";
    }
}
