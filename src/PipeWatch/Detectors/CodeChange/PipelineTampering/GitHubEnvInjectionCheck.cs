using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a script writing a value it did not write itself to <c>GITHUB_ENV</c> or <c>GITHUB_PATH</c> where outsiders supply the input.</summary>
/// <remarks>
/// The input is untrusted when the workflow runs on a privileged trigger an outsider can start (<c>pull_request_target</c>, <c>workflow_run</c>,
/// <c>issue_comment</c>, <c>issues</c>…), when the step's environment or script takes an outsider-controlled expression, or in a composite action
/// (whose callers are unknown). A write of a wholly literal line (<c>echo FOO=bar &gt;&gt; $GITHUB_ENV</c>), or of one built only from runner paths and trusted values
/// (<c>echo "$PWD/.venv/bin" &gt;&gt; $GITHUB_PATH</c>), is never reported: see <see cref="EnvWriteValues"/>.
/// </remarks>
internal sealed partial class GitHubEnvInjectionCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("github-env-injection");

    // Reads the triggers and `run:` scripts (never replaced), expressions and variables in env values (EnvWriteValues), and the
    // steps' labels. A replaced env value is plain text before and after (ValueEdit): no expression, variable or command, trusted
    // either way; only the label of a step with a `run:` (the only steps it names) can change what this reports.
    public bool Sees(DerivedChange change) => change.Relabels(s => s.Run is not null);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        var privileged = definition.TriggeredBy("pull_request_target", "workflow_run", "issue_comment", "issues", "discussion", "discussion_comment", "pull_request_review_comment");
        foreach (var step in definition.Steps)
        {
            // A script that writes neither file cannot be reported: skip it before reading its expressions.
            if (step.Run is not { } run || !MayWrite(run.Value)) continue;
            var tainted = step.Env.Values.Append(run).Any(v => Expressions.Spans(v.Value).SelectMany(s => Expressions.References(s.Inner)).Any(Expressions.IsAttackerControlled));
            var why = tainted ? "the step takes outsider-controlled event data"
                : privileged ? "the workflow runs on a trigger outsiders can start, with the base repository's privileges"
                : definition.Platform == CiPlatform.GitHubAction ? "a composite action runs with whatever input its callers pass"
                : null;
            if (why is null) continue;
            foreach (Match m in Write().Matches(run.Value))
            {
                if (!EnvWriteValues.IsUntrusted(m.Groups["value"].Value, definition, step, run.Value)) continue;
                var file = m.Groups["file"].Value.Contains("PATH", StringComparison.Ordinal) ? "GITHUB_PATH" : "GITHUB_ENV";
                var text = m.Value.Trim();
                yield return new WorkflowIssue(
                    Rule, Severity.High, run.LineOf(m.Index), step.Job, step.Label, $"{step.Job}|{step.Label}|{text}",
                    $"Step '{step.Label}' writes a computed value to {file}",
                    $"'{Scripts.Snippet(text)}' appends a value computed at run time to {file}, and {why}: a crafted value sets environment variables (LD_PRELOAD, NODE_OPTIONS, BASH_ENV) or PATH entries for every later step of the job.");
            }
        }
    }

    /// <summary>False for a script <see cref="Write"/> cannot match: each of its branches spells GITHUB_ENV or GITHUB_PATH.</summary>
    internal static bool MayWrite(string script) => Scripts.ContainsAny(script, WrittenFiles);

    internal static readonly string[] WrittenFiles = ["GITHUB_ENV", "GITHUB_PATH"];

    [GeneratedRegex("""^(?<value>[^\n]*?)>>\s*["']?(?<file>\$\{?GITHUB_(?:ENV|PATH)\}?|\$env:GITHUB_(?:ENV|PATH)|%GITHUB_(?:ENV|PATH)%)""", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    internal static partial Regex Write();
}
