using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds <c>actions/checkout</c> leaving the job's token in <c>.git/config</c> (no <c>persist-credentials: false</c>): high when a later step of the job uploads the workspace as an artifact (the token is in it), pedantic otherwise.</summary>
internal sealed partial class ArtipackedCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("artipacked");

    // Reads which steps check out or upload an artifact, and their inputs and labels: a value of any other step, before and
    // after, changes nothing.
    public bool Sees(DerivedChange change) => change.TouchesStepsUsing(uses =>
        uses?.StartsWith("actions/checkout@", StringComparison.OrdinalIgnoreCase) == true || uses?.StartsWith("actions/upload-artifact@", StringComparison.OrdinalIgnoreCase) == true);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        foreach (var job in definition.Jobs)
        {
            for (var s = 0; s < job.Steps.Count; s++)
            {
                var step = job.Steps[s];
                if (step.Uses?.Value.StartsWith("actions/checkout@", StringComparison.OrdinalIgnoreCase) != true) continue;
                var persist = step.With.GetValueOrDefault("persist-credentials")?.Value.Trim().Trim('"', '\'');
                if (string.Equals(persist, "false", StringComparison.OrdinalIgnoreCase) || persist?.Contains("${{", StringComparison.Ordinal) == true) continue;
                var upload = job.Steps.Skip(s + 1).FirstOrDefault(UploadsWorkspace);
                if (upload is not null)
                {
                    yield return new WorkflowIssue(
                        Rule, Severity.High, step.Line, step.Job, step.Label, $"{step.Job}|{step.Label}|upload",
                        $"Checkout credentials persisted and uploaded by '{upload.Label}'",
                        $"actions/checkout writes the job's token into .git/config unless persist-credentials is false, and step '{upload.Label}' uploads the workspace with .git in it: anyone who can download the artifact (on a public repository, anyone) gets a token for this repository. Set persist-credentials: false and upload only the build output.");
                }
                else
                {
                    yield return new WorkflowIssue(
                        Rule, Severity.Low, step.Line, step.Job, step.Label, StepKeys.Of(step),
                        $"Checkout in step '{step.Label}' persists its credentials",
                        "actions/checkout keeps the job's token in .git/config for every later step of the job (and any artifact or cache of the workspace) unless persist-credentials is false. Set it to false where later steps do not push.",
                        Pedantic: true);
                }
            }
        }
    }

    // An artifact upload whose path is the workspace or a parent of .git: '.', './', '${{ github.workspace }}', '**', or no path.
    private static bool UploadsWorkspace(CiStep step)
    {
        if (step.Uses?.Value.StartsWith("actions/upload-artifact@", StringComparison.OrdinalIgnoreCase) != true) return false;
        var path = step.With.GetValueOrDefault("path")?.Value;
        return path is null || path.Split('\n').Any(p => WorkspacePath().IsMatch(p.Trim()));
    }

    [GeneratedRegex(@"^(?:\.|\./?|\*\*?|\$\{\{\s*github\.workspace\s*\}\}/?|\.git.*)$")]
    private static partial Regex WorkspacePath();
}
