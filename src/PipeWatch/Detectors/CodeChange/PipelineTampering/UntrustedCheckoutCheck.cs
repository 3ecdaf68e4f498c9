using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a privileged trigger (<c>pull_request_target</c>, <c>workflow_run</c>) that checks out the code of the pull request that triggered it.</summary>
internal sealed partial class UntrustedCheckoutCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("untrusted-checkout");

    // Reads the triggers (never replaced), the steps' actions, inputs, code and labels.
    public bool Sees(DerivedChange change) => change.Touches(EditedPart.StepUses | EditedPart.StepWith | EditedPart.StepLabel);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        if (!definition.TriggeredBy("pull_request_target", "workflow_run")) yield break;
        var trigger = definition.TriggeredBy("pull_request_target") ? "pull_request_target" : "workflow_run";
        foreach (var step in definition.Steps)
        {
            string? what = null;
            var line = step.Line;
            if (step.Uses?.Value.StartsWith("actions/checkout@", StringComparison.OrdinalIgnoreCase) == true)
            {
                foreach (var input in new[] { "ref", "repository" })
                {
                    if (step.With.TryGetValue(input, out var value) && Untrusted().IsMatch(value.Value))
                    {
                        what = $"actions/checkout with {input}: {value.Value.Trim()}";
                        line = value.Line;
                        break;
                    }
                }
            }

            foreach (var (scriptLine, text) in Scripts.Matches(step, ScriptCheckout()))
            {
                what ??= text;
                if (what == text) line = scriptLine;
            }

            if (what is null) continue;
            yield return new WorkflowIssue(
                Rule, Severity.High, line, step.Job, step.Label, $"{step.Job}|{step.Label}|{what}",
                $"'{trigger}' workflow checks out untrusted pull-request code in step '{step.Label}'",
                $"The workflow runs on {trigger}, with the base repository's secrets and a writable token, and '{Scripts.Snippet(what)}' fetches the code of the pull request that triggered it; any build or script step after it runs that outsider's code with those privileges.");
        }
    }

    [GeneratedRegex(@"github\.event\.pull_request\.head\.(?:sha|ref|repo)|github\.head_ref|github\.event\.workflow_run\.head_(?:sha|branch|repository)|refs/pull/|merge_commit_sha|github\.event\.pull_request\.number")]
    private static partial Regex Untrusted();

    [GeneratedRegex(@"\bgh\s+pr\s+checkout\b[^\n]*|\bgit\s+(?:fetch|checkout|pull)\b[^\n]*(?:pull/|\$\{\{\s*github\.event\.pull_request\.head|\$\{\{\s*github\.head_ref|\$\{\{\s*github\.event\.workflow_run\.head)[^\n]*")]
    private static partial Regex ScriptCheckout();
}
