using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a new workflow file that runs on <c>pull_request_target</c> or <c>workflow_run</c> (outsiders start it, and it runs with the base repository's secrets and a writable token) and does more than a known-harmless action.</summary>
/// <remarks>
/// <see cref="NewTriggerCheck"/> reports such a trigger added to an existing file; this check covers the file that arrives with it.
/// A workflow whose every step uses an action that only reads the event (<c>actions/labeler</c>, <c>actions/first-interaction</c>,
/// <c>actions/stale</c>) is not reported.
/// </remarks>
internal static class DangerousTriggerCheck
{
    public static readonly string Rule = Scripts.Rule("dangerous-trigger");

    private static readonly string[] Harmless = ["actions/labeler@", "actions/first-interaction@", "actions/stale@"];

    /// <summary>The issues of <paramref name="added"/>, a definition the change adds.</summary>
    public static IEnumerable<WorkflowIssue> Check(CiDefinition added)
    {
        ArgumentNullException.ThrowIfNull(added);
        if (added.Platform != CiPlatform.GitHubWorkflow) yield break;
        var steps = added.Steps.ToList();
        if (steps.Count > 0 && steps.All(s => s.Run is null && s.Uses?.Value is { } uses && Harmless.Any(h => uses.StartsWith(h, StringComparison.OrdinalIgnoreCase)))) yield break;
        if (added.Jobs.Count > 0 && steps.Count == 0 && added.Jobs.All(j => j.Uses is null)) yield break;
        foreach (var trigger in added.Triggers.Where(t => t.Value is "pull_request_target" or "workflow_run"))
        {
            yield return new WorkflowIssue(
                Rule, Severity.Medium, trigger.Line, null, null, trigger.Value,
                $"New workflow {added.Path} runs on '{trigger.Value}'",
                $"'{trigger.Value}' lets people outside the repository start this workflow, and it runs with the base repository's secrets and a token that can write; whatever it does with the event's data (a checkout of the pull request, an expansion of its title, an artifact of the triggering run) runs with those privileges. Use 'pull_request' unless the workflow needs them, and then never run the pull request's code.");
        }
    }
}
