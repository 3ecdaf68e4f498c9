using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a script that downloads code and runs it unseen: <c>curl … | bash</c>, <c>bash -c "$(wget -O- …)"</c>, <c>iex (iwr …)</c>.</summary>
internal sealed partial class DownloadAndExecuteCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("download-and-execute");

    // Reads only the steps' code, and names a step only for a match in its own code: a step without code is never named.
    public bool Sees(DerivedChange change) => change.TouchesScripts || change.Relabels(s => Scripts.Of(s).Any());

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        foreach (var step in definition.Steps)
        {
            foreach (var (line, text) in Scripts.Matches(step, Pattern()))
            {
                yield return new WorkflowIssue(
                    Rule, Severity.High, line, step.Job, step.Label, $"{step.Job}|{step.Label}|{text}",
                    $"Step '{step.Label}' downloads and executes code: {Scripts.Snippet(text)}",
                    $"'{Scripts.Snippet(text)}' pipes content fetched from the network straight into an interpreter, so whoever controls that URL (or the path to it) runs code in the pipeline with its secrets; nothing pins or checks what runs.");
            }
        }
    }

    [GeneratedRegex("""
        \b(?:curl|wget)\b[^\n|;&]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:ba|z|k|da|fi)?sh\b
        |\b(?:curl|wget)\b[^\n|;&]*\|\s*(?:sudo\s+)?(?:python[0-9.]*|perl|ruby|node|php)\b
        |\b(?:ba|z)?sh\s+(?:-\w+\s+)*["']?\$\(\s*(?:curl|wget)\b[^\n)]*\)
        |\b(?:ba|z)?sh\s+<\(\s*(?:curl|wget)\b[^\n)]*\)
        |\b(?:source|\.)\s+<\(\s*(?:curl|wget)\b[^\n)]*\)
        |\b(?:iex|invoke-expression)\b[^\n]*\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b[^\n]*
        |\b(?:iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n|]*\|\s*(?:iex|invoke-expression)\b
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Pattern();
}
