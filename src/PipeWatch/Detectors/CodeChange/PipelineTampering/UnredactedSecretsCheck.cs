using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds <c>fromJSON(secrets.X)</c>: a field taken out of a JSON secret is a new string the runner never registered, so it is printed in logs unmasked.</summary>
internal sealed partial class UnredactedSecretsCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("unredacted-secrets");

    // Reads each line alone, and reports only lines with a match.
    public bool Sees(DerivedChange change) => change.TouchesLines(FromJsonSecret().IsMatch);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        for (var i = 0; i < definition.Lines.Count; i++)
        {
            var line = definition.Lines[i];
            if (line.TrimStart().StartsWith('#')) continue;
            foreach (Match m in FromJsonSecret().Matches(line))
            {
                yield return new WorkflowIssue(
                    Rule, Severity.Medium, i + 1, null, null, m.Value,
                    $"'{m.Value}' takes a value out of a secret, unmasked",
                    $"Only a secret's whole value is masked in logs. '{m.Value}…' yields a field of it, a string the runner does not know to mask, so any step that prints it (or an error that echoes it) leaks it. Store each field as its own secret.");
            }
        }
    }

    [GeneratedRegex(@"(?i)fromJSON\(\s*secrets\.[A-Za-z0-9_\-]+\s*\)(?:\.[A-Za-z0-9_\-]+|\[[^\]]+\])*")]
    private static partial Regex FromJsonSecret();
}
