using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a trigger added to an existing CI definition; medium for triggers outsiders can start with the base repository's privileges.</summary>
internal sealed class NewTriggerCheck : IWorkflowChangeCheck
{
    public static readonly string Rule = Scripts.Rule("new-trigger");

    private static readonly HashSet<string> Privileged = new(StringComparer.Ordinal)
    {
        "pull_request_target", "workflow_run", "issue_comment", "issues", "discussion_comment", "pull_request_review_comment",
    };

    // Compares triggers: ValueChange replaces none.
    public bool Sees(DerivedChange change) => false;

    public IEnumerable<WorkflowIssue> Compare(CiDefinition before, CiDefinition after)
    {
        var known = before.Triggers.Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var trigger in after.Triggers)
        {
            if (known.Contains(trigger.Value)) continue;
            var privileged = Privileged.Contains(trigger.Value);
            yield return new WorkflowIssue(
                Rule, privileged ? Severity.Medium : Severity.Info, trigger.Line, null, null, trigger.Value,
                $"New trigger '{trigger.Value}' in {after.Path}",
                privileged
                    ? $"'{trigger.Value}' lets people outside the repository start this pipeline, and it runs with the base repository's secrets and a writable token; before this change it ran on {Known(known)}."
                    : $"The pipeline now also runs on '{trigger.Value}'; before this change it ran on {Known(known)}.");
        }
    }

    private static string Known(HashSet<string> known) => known.Count == 0 ? "no declared trigger" : string.Join(", ", known.Order(StringComparer.Ordinal));
}
