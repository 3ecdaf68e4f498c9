using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds debug logging turned on where secrets are about: <c>ACTIONS_RUNNER_DEBUG</c>/<c>ACTIONS_STEP_DEBUG</c>, GitLab <c>CI_DEBUG_TRACE</c>, Azure <c>system.debug</c>, or <c>set -x</c> in a script that handles secrets.</summary>
internal sealed partial class DebugLoggingCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("debug-logging");

    private static readonly HashSet<string> DebugVariables = new(StringComparer.OrdinalIgnoreCase)
    {
        "ACTIONS_RUNNER_DEBUG", "ACTIONS_STEP_DEBUG", "CI_DEBUG_TRACE", "CI_DEBUG_SERVICES", "system.debug",
    };

    // Reads the steps' code and labels, and env values by name (a debug variable) or by whether they name a secret; a replaced env
    // value that is neither, before or after, changes nothing it reports.
    // It names a step only for a debug variable in its env or a trace in its code.
    public bool Sees(DerivedChange change) =>
        change.TouchesScripts || change.Relabels(s => Scripts.Of(s).Any() || s.Env.Keys.Any(DebugVariables.Contains))
        || change.Edit.Values.Any(v => v.Part is EditedPart.StepEnv or EditedPart.JobEnv or EditedPart.WorkflowEnv
            && (DebugVariables.Contains(v.Name ?? string.Empty) || Secret().IsMatch(v.Old) || Secret().IsMatch(v.New)));

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        // The workflow's env, then each job's, then each step's, in plain loops (not a list of tuples: see UnpinnedImageCheck).
        foreach (var issue in DebugVariablesSet(null, null, definition.Env)) yield return issue;
        foreach (var j in definition.Jobs)
        {
            foreach (var issue in DebugVariablesSet(j.Id, null, j.Env)) yield return issue;
        }

        foreach (var s in definition.Steps)
        {
            foreach (var issue in DebugVariablesSet(s.Job, s.Label, s.Env)) yield return issue;
        }

        foreach (var job in definition.Jobs)
        {
            foreach (var step in job.Steps)
            {
                if (!NearSecrets(definition, job, step)) continue;
                foreach (var (line, text) in Scripts.Matches(step, Trace()))
                {
                    yield return new WorkflowIssue(
                        Rule, Severity.Medium, line, step.Job, step.Label, $"trace|{step.Job}|{step.Label}|{text}",
                        $"Step '{step.Label}' traces its commands ({text}) while handling secrets",
                        $"'{text}' echoes every command after expansion, so a secret passed on a command line is written to the log in clear; the step reads secrets.");
                }
            }
        }
    }

    private static IEnumerable<WorkflowIssue> DebugVariablesSet(string? job, string? step, IReadOnlyDictionary<string, CiText> env)
    {
        foreach (var (name, value) in env)
        {
            if (!DebugVariables.Contains(name) || !value.Value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase)) continue;
            yield return new WorkflowIssue(
                Rule, Severity.Medium, value.Line, job, step, $"var|{job}|{step}|{name}",
                $"{name} is set to true{(job is null ? " for the whole pipeline" : $" in '{job}'")}",
                $"{name}=true makes the runner log every command, expression and environment value in full; with secrets in the environment that puts them (or their unmasked fragments) in logs anyone with read access can download.");
        }
    }

    private static bool NearSecrets(CiDefinition definition, CiJob job, CiStep step) =>
        Scripts.Of(step).Any(s => Secret().IsMatch(s.Value))
        || step.Env.Values.Concat(job.Env.Values).Concat(definition.Env.Values).Any(v => Secret().IsMatch(v.Value));

    [GeneratedRegex(@"^\s*set\s+(?:-[a-wyz]*x[a-z]*|-o\s+xtrace)\b|\b(?:ba)?sh\s+-[a-wyz]*x[a-z]*\s", RegexOptions.Multiline)]
    private static partial Regex Trace();

    [GeneratedRegex(@"\$\{\{\s*secrets\.|\bsecrets\.\w|\$\(?\s*\w*(?:TOKEN|SECRET|PASSWORD|API_KEY)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Secret();
}
