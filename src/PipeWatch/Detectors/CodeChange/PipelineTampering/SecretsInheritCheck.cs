using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a call to a reusable workflow with <c>secrets: inherit</c>.</summary>
internal sealed class SecretsInheritCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("secrets-inherit");

    // Reads `secrets: inherit` (never replaced) and the reusable workflow a job calls.
    public bool Sees(DerivedChange change) => change.Touches(EditedPart.JobUses);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        foreach (var job in definition.Jobs)
        {
            if (job.SecretsInherit is not { } inherit) continue;
            var callee = job.Uses?.Value ?? "(unknown workflow)";
            yield return new WorkflowIssue(
                Rule, Severity.Medium, inherit.Line, job.Id, null, $"{job.Id}|{callee}",
                $"Job '{job.Id}' passes every secret to {callee}",
                $"'secrets: inherit' hands all of the caller's secrets to '{callee}', which then decides what to do with them; pass only the secrets it needs by name.");
        }
    }
}
