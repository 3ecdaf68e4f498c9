using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds actions and reusable workflows referenced by a tag or branch instead of a full commit SHA.</summary>
internal sealed partial class UnpinnedActionCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("unpinned-action");

    // Reads the actions and reusable workflows used, and the steps' labels.
    public bool Sees(DerivedChange change) => change.Touches(EditedPart.JobUses | EditedPart.StepUses | EditedPart.StepLabel);

    // The reusable workflows, then the steps' actions, in plain loops (not a Concat of tuples: see UnpinnedImageCheck).
    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        if (definition.Platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)) yield break;
        foreach (var j in definition.Jobs)
        {
            if (j.Uses is not null && Issue(j.Id, null, j.Uses) is { } issue) yield return issue;
        }

        foreach (var s in definition.Steps)
        {
            if (s.Uses is not null && Issue(s.Job, s.Label, s.Uses) is { } issue) yield return issue;
        }
    }

    // The issue of one reference, or null when it is pinned to a commit or local.
    private static WorkflowIssue? Issue(string? job, string? step, CiText uses)
    {
        var value = uses.Value.Trim();
        if (value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("docker://", StringComparison.Ordinal) || value.StartsWith('$')) return null;
        var at = value.LastIndexOf('@');
        var reference = at < 0 ? null : value[(at + 1)..];
        if (reference is not null && FullSha().IsMatch(reference)) return null;
        var version = reference is not null && Version().IsMatch(reference);
        return new WorkflowIssue(
            Rule, version ? Severity.Low : Severity.Medium, uses.Line, job, step, $"{job}|{value}",
            $"{value} is not pinned to a commit",
            reference is null
                ? $"'{value}' names no ref at all, so it runs whatever the default branch holds when the job starts."
                : version
                    ? $"'{reference}' is a tag: its owner (or anyone who takes over the repository) can move it to other code, as happened to tj-actions/changed-files; pin the full 40-character commit SHA and keep the tag as a comment."
                    : $"'{reference}' looks like a branch: every push to it changes the code this pipeline runs; pin the full 40-character commit SHA.");
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex FullSha();

    [GeneratedRegex(@"^v?\d+(\.\d+)*([-+.][\w.]+)?$")]
    private static partial Regex Version();
}
