using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds an <c>if:</c> that is always true: a <c>${{ }}</c> with text beside it (<c>${{ false }} &amp;&amp; true</c>) or in a block scalar that keeps its trailing newline (<c>if: |</c>) is a non-empty string, and a non-empty string is true.</summary>
internal sealed partial class UnsoundConditionCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("unsound-condition");

    // Reads the conditions only.
    public bool Sees(DerivedChange change) => change.TouchesConditions;

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        foreach (var (line, value, block) in Conditions.Of(definition))
        {
            if (!value.Contains("${{", StringComparison.Ordinal)) continue;
            var keepsNewline = block is "|" or ">" or "|+" or ">+";
            var unquoted = value.Trim('"', '\'');
            var whole = WholeExpression().IsMatch(unquoted);
            if (!keepsNewline && whole) continue;
            var why = keepsNewline
                ? $"the block scalar 'if: {block}' keeps a trailing newline, so the condition is '${{{{ … }}}}' plus a newline"
                : "text outside the '${{ }}' makes the condition a string with the expression's result in it";
            yield return new WorkflowIssue(
                Rule, Severity.High, line, null, null, value,
                $"Condition '{Scripts.Snippet(value)}' is always true",
                $"GitHub evaluates an if: that is not one whole expression as a string, and any non-empty string is true: {why}. The guarded step or job always runs. Write the condition as one expression (or use '|-' / '>-').");
        }
    }

    // One expression and nothing else: ${{ … }} with no second ${{ inside.
    [GeneratedRegex(@"^\$\{\{(?:(?!\$\{\{)[\s\S])*\}\}$")]
    private static partial Regex WholeExpression();
}
