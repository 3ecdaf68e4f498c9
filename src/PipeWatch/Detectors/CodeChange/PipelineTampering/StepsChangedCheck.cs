using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds steps added, removed or moved in a job that existed before the change, naming each step.</summary>
internal sealed class StepsChangedCheck : IWorkflowChangeCheck
{
    public static readonly string Rule = Scripts.Rule("steps-changed");

    // Compares the jobs' step labels: the same sequence unless a label was replaced.
    public bool Sees(DerivedChange change) => change.Touches(EditedPart.StepLabel);

    public IEnumerable<WorkflowIssue> Compare(CiDefinition before, CiDefinition after)
    {
        foreach (var job in after.Jobs)
        {
            if (before.Jobs.FirstOrDefault(j => j.Id == job.Id) is not { } old) continue;
            var diff = StepSequenceDiff.Between([.. old.Steps.Select(s => s.Label)], [.. job.Steps.Select(s => s.Label)]);
            if (diff.Descriptions.Count == 0) continue;
            var changed = diff.Added.Concat(diff.Moved).ToHashSet(StringComparer.Ordinal);
            var first = job.Steps.FirstOrDefault(s => changed.Contains(s.Label));
            yield return new WorkflowIssue(
                Rule, Severity.Info, first?.Line ?? job.Line, job.Id, first?.Label, $"{job.Id}|{string.Join(";", diff.Descriptions)}",
                $"Steps of job '{job.Id}' changed: {string.Join(", ", diff.Descriptions)}",
                $"Job '{job.Id}' had {old.Steps.Count} step(s) and now has {job.Steps.Count}: {string.Join("; ", diff.Descriptions)}. A changed pipeline runs different code with the same secrets: review what the changed steps do.");
        }
    }
}
