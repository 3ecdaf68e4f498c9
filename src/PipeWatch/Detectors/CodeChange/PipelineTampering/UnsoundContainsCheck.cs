using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds <c>contains('main,develop', github.ref_name)</c>: on a string, <c>contains</c> is a substring test, so a branch or actor named <c>mai</c> or <c>n,d</c> passes the check.</summary>
internal sealed partial class UnsoundContainsCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("unsound-contains");

    // Reads the conditions only.
    public bool Sees(DerivedChange change) => change.TouchesConditions;

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        foreach (var (line, value, _) in Conditions.Of(definition))
        {
            foreach (Match m in SubstringCheck().Matches(value))
            {
                yield return new WorkflowIssue(
                    Rule, Severity.Medium, line, null, null, m.Value,
                    $"'{Scripts.Snippet(m.Value)}' is a substring test",
                    $"The first argument of contains() is a string here, so '{m.Groups["ctx"].Value}' passes whenever it is any part of it: a branch, tag or actor name an outsider can choose (a prefix, or a piece spanning the separator) gets through. Compare with == or use fromJSON('[\"main\",\"develop\"]') as the list.");
            }
        }
    }

    [GeneratedRegex(@"(?i)contains\(\s*'[^']*'\s*,\s*(?<ctx>(?:github|env|inputs|vars)\.[A-Za-z0-9_.\-]+)\s*\)")]
    private static partial Regex SubstringCheck();
}
