using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds <c>ACTIONS_ALLOW_UNSECURE_COMMANDS</c> turned on (workflow, job, step or matrix env, or written to <c>GITHUB_ENV</c>): the deprecated <c>set-env</c>/<c>add-path</c> workflow commands come back, and any log line can set the environment of later steps.</summary>
internal sealed partial class InsecureCommandsCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("insecure-commands");

    // Reads each line alone, and reports only lines that name the variable.
    public bool Sees(DerivedChange change) => change.TouchesLines(MayEnable);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        if (definition.Platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)) yield break;
        for (var i = 0; i < definition.Lines.Count; i++)
        {
            if (!MayEnable(definition.Lines[i]) || !Enabled().IsMatch(definition.Lines[i])) continue;
            yield return new WorkflowIssue(
                Rule, Severity.High, i + 1, null, null, $"{Scripts.Snippet(definition.Lines[i].Trim())}|{i}",
                "ACTIONS_ALLOW_UNSECURE_COMMANDS is turned on",
                "With ACTIONS_ALLOW_UNSECURE_COMMANDS true the runner obeys the removed '::set-env' and '::add-path' commands again: anything a step prints (a test name, a file's content, a pull request title) can set environment variables and PATH for the steps after it, which is code execution. Remove it and write to $GITHUB_ENV / $GITHUB_PATH instead.");
        }
    }

    /// <summary>False for a line <see cref="Enabled"/> cannot match: it does not name the variable (both of its forms spell it out).</summary>
    /// <remarks>The regex ignores case as ordinal case-insensitive comparison does for these letters: a test holds them to it.</remarks>
    internal static bool MayEnable(string line) => line.Contains(Variable, StringComparison.OrdinalIgnoreCase);

    internal const string Variable = "ACTIONS_ALLOW_UNSECURE_COMMANDS";

    // The YAML key (env map or matrix entry) with a true value, or the variable written to GITHUB_ENV; not false, not comments.
    [GeneratedRegex(@"(?i)^[ \t]*(?:-[ \t]+)?[""']?ACTIONS_ALLOW_UNSECURE_COMMANDS[""']?[ \t]*:[ \t]*[""']?[ \t]*true\b|^[^#]*\bACTIONS_ALLOW_UNSECURE_COMMANDS=[""']?true\b[^\n]*GITHUB_ENV")]
    private static partial Regex Enabled();
}
