using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds a package published with a long-lived registry token (PyPI, npm, crates.io, RubyGems, NuGet) where the registry accepts the job's short-lived OIDC identity (trusted publishing).</summary>
/// <remarks>A publish command counts in a job without <c>id-token: write</c> (job or workflow permissions); <c>pypa/gh-action-pypi-publish</c> counts when given a <c>password</c>. Dry runs do not count.</remarks>
internal sealed partial class TrustedPublishingCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("use-trusted-publishing");

    // Reads permissions, the steps' actions, inputs and labels, and `run:` scripts (never replaced).
    // It names a step only for the PyPI publishing action or a `run:` that publishes: a value of another step changes nothing.
    public bool Sees(DerivedChange change) =>
        change.Touches(EditedPart.JobPermission | EditedPart.WorkflowPermission)
        || change.Relabels(s => s.Run is not null)
        || change.TouchesStepsUsing(uses => uses?.StartsWith("pypa/gh-action-pypi-publish@", StringComparison.OrdinalIgnoreCase) == true);

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        if (definition.Platform is not (CiPlatform.GitHubWorkflow or CiPlatform.GitHubAction)) yield break;
        foreach (var job in definition.Jobs)
        {
            var oidc = HasIdToken(job.Permissions ?? definition.Permissions);
            foreach (var step in job.Steps)
            {
                string? what = null;
                var line = step.Line;
                if (step.Uses?.Value.StartsWith("pypa/gh-action-pypi-publish@", StringComparison.OrdinalIgnoreCase) == true
                    && step.With.TryGetValue("password", out var password))
                {
                    what = "pypa/gh-action-pypi-publish with a password";
                    line = password.Line;
                }
                else if (!oidc && step.Run is { } run && MayPublish(run.Value))
                {
                    var joined = Joined(run.Value);
                    if (Publish().Match(joined) is { Success: true } m)
                    {
                        what = m.Value.Trim();
                        line = run.Block ? run.Line + joined[..m.Index].Count(c => c == '\n') : run.Line;
                    }
                }

                if (what is null) continue;
                yield return new WorkflowIssue(
                    Rule, Severity.Low, line, step.Job, step.Label, $"{step.Job}|{step.Label}|{what}",
                    $"Step '{step.Label}' publishes with a long-lived token",
                    $"'{Scripts.Snippet(what)}' publishes with a registry token stored as a secret: it does not expire, and whoever reads it (a compromised step, a leaked log) can publish as the project. The registry supports trusted publishing: grant the job 'id-token: write' and let it exchange its OIDC identity for a short-lived token.");
            }
        }
    }

    /// <summary>
    /// False for a script <see cref="Publish"/> cannot match: each of its commands spells publish, gem … push, nuget … push or
    /// twine … upload (case matters), and joining continued lines adds only spaces, so it spells no word the script does not.
    /// </summary>
    /// <remarks>"push" and "upload" alone (a <c>git push</c>, an artifact upload) are common in scripts; their tools are not.</remarks>
    internal static bool MayPublish(string script) =>
        script.Contains("publish", StringComparison.Ordinal)
        || (script.Contains("push", StringComparison.Ordinal) && (script.Contains("gem", StringComparison.Ordinal) || script.Contains("nuget", StringComparison.Ordinal)))
        || (script.Contains("upload", StringComparison.Ordinal) && script.Contains("twine", StringComparison.Ordinal));

    /// <summary>The script with its continued lines joined (a backslash, the line end and the next line's indentation made one space), as <see cref="Publish"/> reads it.</summary>
    internal static string Joined(string script) => Continuation().Replace(script, " ");

    private static bool HasIdToken(CiPermissions? permissions) =>
        permissions is not null && (permissions.Whole?.Value == "write-all"
            || permissions.Scopes.Any(s => s.Key == "id-token" && s.Value.Value.Trim() == "write"));

    [GeneratedRegex(@"\\\r?\n[ \t]*")]
    private static partial Regex Continuation();

    [GeneratedRegex(@"(?m)^(?![ \t]*#)[^\n]*?\b(?:(?:(?:bunx[ \t]+)?npm|pnpm|yarn(?:[ \t]+npm)?|bun)[ \t]+publish\b(?![^\n]*--dry-run)|cargo(?:[ \t]+\+\S+)?[ \t]+publish\b(?![^\n]*(?:--dry-run|[ \t]-n\b))|gem[ \t]+push\b|(?:dotnet[ \t]+)?nuget(?:\.exe)?[ \t]+push\b|twine(?:==\S+)?[ \t]+upload\b|(?:uv|poetry|hatch|pdm)[ \t]+publish\b(?![^\n]*--dry-run))[^\n]*")]
    internal static partial Regex Publish();
}
