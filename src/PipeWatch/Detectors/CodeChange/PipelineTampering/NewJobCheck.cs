using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a job added to an existing CI definition.</summary>
internal sealed class NewJobCheck : IWorkflowChangeCheck
{
    public static readonly string Rule = Scripts.Rule("new-job");

    // Compares job ids: ValueChange keeps every job.
    public bool Sees(DerivedChange change) => false;

    public IEnumerable<WorkflowIssue> Compare(CiDefinition before, CiDefinition after)
    {
        var known = before.Jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var job in after.Jobs)
        {
            if (known.Contains(job.Id)) continue;
            var what = job.Uses is { } uses ? $"calls {uses.Value}" : $"runs {job.Steps.Count} step(s)";
            yield return new WorkflowIssue(
                Rule, Severity.Info, job.Line, job.Id, null, job.Id,
                $"New job '{job.Id}' in {after.Path}",
                $"Job '{job.Id}' was not in the previous version ({before.Jobs.Count} job(s)); it {what} with the pipeline's secrets and token.");
        }
    }
}
