using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a literal password in a job container's or service's <c>credentials:</c> (rather than <c>${{ secrets.X }}</c>).</summary>
internal sealed partial class HardcodedContainerCredentialsCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("hardcoded-container-credentials");

    // Reads `credentials:` lines, the indentation after them (the same in both versions) and `password:` lines in their blocks.
    public bool Sees(DerivedChange change) => change.TouchesLines(line => Credentials().IsMatch(line) || Password().IsMatch(line));

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        if (definition.Platform != CiPlatform.GitHubWorkflow) yield break;
        var lines = definition.Lines;
        for (var i = 0; i < lines.Count; i++)
        {
            if (Credentials().Match(lines[i]) is not { Success: true } start) continue;
            var indent = start.Groups["indent"].Length;
            for (var j = i + 1; j < lines.Count && (lines[j].Trim().Length == 0 || lines[j].Length - lines[j].TrimStart().Length > indent); j++)
            {
                if (Password().Match(lines[j]) is not { Success: true } m) continue;
                var value = m.Groups["v"].Value.Trim().Trim('"', '\'');
                if (value.Length == 0 || value.Contains("${{", StringComparison.Ordinal)) continue;
                yield return new WorkflowIssue(
                    Rule, Severity.High, j + 1, null, null, $"credentials|{i}",
                    "Container registry password written into the workflow",
                    "A container's or service's credentials.password is a literal: everyone who can read the repository has the registry account, and it is in every clone's history. Revoke it, then pass it as ${{ secrets.NAME }}.");
            }
        }
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)credentials:[ \t]*$")]
    private static partial Regex Credentials();

    [GeneratedRegex(@"^[ \t]*password:[ \t]*(?<v>[^#\n]*?)[ \t]*(?:#.*)?$")]
    private static partial Regex Password();
}
