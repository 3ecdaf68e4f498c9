using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a step that sends the environment or secrets out, or reads them from process memory: <c>curl -d "$(env)"</c>, <c>printenv | nc</c>, <c>/proc/*/environ</c>, <c>toJSON(secrets)</c>.</summary>
internal sealed partial class SecretsExfiltrationCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("secrets-exfiltration");

    // Reads the steps' code and labels, and each line alone for toJSON(secrets) (with the step it falls in, by line: unchanged).
    public bool Sees(DerivedChange change) => change.TouchesScripts || change.Touches(EditedPart.StepLabel) || change.TouchesLines(AllSecrets().IsMatch);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        foreach (var step in definition.Steps)
        {
            foreach (var (line, text) in Scripts.Matches(step, Sending()))
            {
                // A named secret sent as the request's credentials (an auth header, -u) is how a token is used, not a leak.
                if (!Sending().IsMatch(CredentialArgument().Replace(text, ""))) continue;
                yield return Issue(step, line, text, Severity.Critical, "sends the environment or secrets over the network",
                    "a network command carries the whole environment or secret values, which is how stolen CI credentials leave a runner");
            }

            foreach (var (line, text) in Scripts.Matches(step, ProcessMemory()))
            {
                yield return Issue(step, line, text, Severity.Critical, "reads another process's memory or environment",
                    "reading /proc/<pid>/mem or /proc/<pid>/environ recovers secrets the runner holds in memory, masked or not");
            }

            foreach (var (line, text) in Scripts.Matches(step, Dump()))
            {
                yield return Issue(step, line, text, Severity.Medium, "dumps every environment variable",
                    "printing the whole environment exposes any secret passed to the step as an environment variable (masking misses encoded or split values)");
            }
        }

        for (var i = 0; i < definition.Lines.Count; i++)
        {
            if (!AllSecrets().IsMatch(definition.Lines[i])) continue;
            var step = definition.Steps.LastOrDefault(s => s.Line <= i + 1);
            var text = definition.Lines[i].Trim();
            yield return new WorkflowIssue(
                Rule, Severity.High, i + 1, step?.Job, step?.Label, $"all-secrets|{step?.Job}|{step?.Label}|{text}",
                $"toJSON(secrets) hands every secret of the repository to one place: {Scripts.Snippet(text)}",
                "toJSON(secrets) serialises all repository and organization secrets, not just the ones this step needs; one log line or request then carries them all.");
        }
    }

    private static WorkflowIssue Issue(CiStep step, int line, string text, Severity severity, string what, string why) => new(
        Rule, severity, line, step.Job, step.Label, $"{step.Job}|{step.Label}|{text}",
        $"Step '{step.Label}' {what}: {Scripts.Snippet(text)}",
        $"'{Scripts.Snippet(text)}': {why}.");

    [GeneratedRegex("""
        \b(?:curl|wget|nc|ncat|socat|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n]*(?:\$\(\s*(?:print)?env\b|`(?:print)?env`|\$\{\{\s*secrets\.|\$\(\s*cat\s+/proc/|\bget-childitem\s+env:)
        |(?:^|[;&|(]\s*)(?:print)?env\b[^\n|]*\|[^\n]*\b(?:curl|wget|nc|ncat|socat|base64|openssl)\b
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.Multiline)]
    private static partial Regex Sending();

    [GeneratedRegex("""
        (?:-H|--header)\s*["']?(?:Authorization|[\w-]*(?:token|key|auth)[\w-]*)\s*:[^"'\n]*?\$\{\{\s*secrets\.(?:\w+\s*\}\}[^"'\s]*["']?)?
        |(?:-u|--user|--oauth2-bearer)\s*["']?[^\s"']*\$\{\{\s*secrets\.(?:\w+\s*\}\}[^\s"']*["']?)?
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex CredentialArgument();

    [GeneratedRegex(@"/proc/(?:\d+|\*|self|\$\{?\w+\}?|\[0-9\][^/\s]*)/(?:mem|environ|maps)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ProcessMemory();

    [GeneratedRegex(@"^\s*(?:printenv|env|set|Get-ChildItem\s+env:|gci\s+env:|dir\s+env:)\s*(?:[>;#]|$)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex Dump();

    [GeneratedRegex(@"toJSON\s*\(\s*secrets\s*\)", RegexOptions.IgnoreCase)]
    private static partial Regex AllSecrets();
}
