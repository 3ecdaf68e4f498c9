using System.Text.RegularExpressions;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds <c>${{ … }}</c> expressions an outsider controls (issue and pull-request titles and bodies, branch names, commit messages…) expanded into code a step runs.</summary>
/// <remarks>
/// Follows one level of indirection: <c>env.X</c> set from such a value (step, job or workflow env, or written as <c>X=</c> to <c>GITHUB_ENV</c>
/// by an earlier step of the job, directly or through a variable of that step's env), <c>matrix.X</c> with such a value, and
/// <c>steps.ID.outputs.X</c> where an earlier step of the job writes <c>X=</c> such a value to <c>GITHUB_OUTPUT</c>.
/// In Azure Pipelines, <c>$(Build.SourceBranch)</c>-style macros a pusher chooses are reported the same way.
/// <c>inputs.*</c> counts as outside input in a composite action and in a workflow callable by others (<c>workflow_call</c>).
/// Expressions that can only yield a boolean (comparisons, <c>contains(…)</c>) are not reported.
/// </remarks>
internal sealed partial class TemplateInjectionCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("template-injection");

    // Reads expressions (${{ }}, Azure $( ) macros) in steps' code, env values and matrices, and the steps' labels. A replaced value
    // is plain text before and after (ValueEdit): it holds no expression, so it neither brings nor removes one; only a label can
    // change what this reports, and only the label of a step with code (the only steps it names; other steps read an earlier
    // step's code and env, not its label).
    public bool Sees(DerivedChange change) => change.Relabels(s => Scripts.Of(s).Any());

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        var inputsUntrusted = definition.Platform == CiPlatform.GitHubAction || definition.TriggeredBy("workflow_call");
        foreach (var job in definition.Jobs)
        {
            foreach (var step in job.Steps)
            {
                foreach (var script in Scripts.Of(step))
                {
                    if (definition.Platform == CiPlatform.AzurePipelines)
                    {
                        foreach (var issue in AzureMacros(script, step)) yield return issue;
                    }

                    foreach (var (index, inner) in Expressions.Spans(script.Value))
                    {
                        if (Expressions.IsBooleanOnly(inner)) continue;
                        var source = Expressions.References(inner).Select(r => Source(r, definition, job, step, inputsUntrusted)).FirstOrDefault(s => s is not null);
                        if (source is null) continue;
                        var severity = source.StartsWith("inputs.", StringComparison.Ordinal) ? Severity.Medium : Severity.High;
                        yield return new WorkflowIssue(
                            Rule, severity, script.LineOf(index), step.Job, step.Label, $"{step.Job}|{step.Label}|{inner}",
                            $"Step '{step.Label}' expands '{Scripts.Snippet(inner)}' into its code",
                            $"'${{{{ {Scripts.Snippet(inner)} }}}}' is replaced by {source} before the script runs, so quotes or shell syntax in that value become code in the pipeline; pass it through an environment variable and quote it instead.");
                    }
                }
            }
        }
    }

    /// <summary>Azure Pipelines <c>$(…)</c> macros that a pull request's or a push's author chooses, replaced in the script text before it runs.</summary>
    private static IEnumerable<WorkflowIssue> AzureMacros(CiText script, CiStep step)
    {
        foreach (Match m in AzureMacro().Matches(script.Value))
        {
            var name = m.Groups[1].Value;
            var severity = name.StartsWith("Build.SourceBranch", StringComparison.OrdinalIgnoreCase) ? Severity.Medium : Severity.High;
            yield return new WorkflowIssue(
                Rule, severity, script.LineOf(m.Index), step.Job, step.Label, $"{step.Job}|{step.Label}|{name}",
                $"Step '{step.Label}' expands '$({name})' into its code",
                $"'$({name})' is a macro Azure Pipelines replaces in the script text before it runs, and its value (a branch name, commit message or author name) is chosen by whoever pushes; pass it through an environment variable and quote it instead.");
        }
    }

    [GeneratedRegex(@"\$\(\s*(Build\.SourceBranch(?:Name)?|Build\.SourceVersionMessage|Build\.RequestedFor|System\.PullRequest\.SourceBranch)\s*\)", RegexOptions.IgnoreCase)]
    private static partial Regex AzureMacro();

    /// <summary>Why a context reference carries outside input, or null when it does not.</summary>
    private static string? Source(string reference, CiDefinition definition, CiJob job, CiStep step, bool inputsUntrusted)
    {
        if (Expressions.IsAttackerControlled(reference)) return $"the outsider-controlled value {reference}";
        if (inputsUntrusted && reference.StartsWith("inputs.", StringComparison.Ordinal)) return $"{reference}, an input its callers choose";
        var parts = reference.Split('.');
        if (parts.Length < 2) return null;
        if (parts[0] == "env")
        {
            var value = step.Env.GetValueOrDefault(parts[1]) ?? job.Env.GetValueOrDefault(parts[1]) ?? definition.Env.GetValueOrDefault(parts[1]);
            if (value is not null && Tainted(value.Value) is { } origin) return $"env.{parts[1]}, which is set from {origin}";
            return WrittenToGitHubEnv(parts[1], job, step) is { } written ? $"env.{parts[1]}, which an earlier step writes to GITHUB_ENV from {written}" : null;
        }

        if (parts[0] == "steps" && parts.Length >= 4 && parts[2] == "outputs")
        {
            // An earlier step of the job writing NAME=<outsider-controlled value> to GITHUB_OUTPUT taints steps.<id>.outputs.NAME.
            var origin = job.Steps.TakeWhile(s => s != step).SelectMany(Scripts.Of)
                .SelectMany(script => script.Value.Split('\n'))
                .Where(line => line.Contains("GITHUB_OUTPUT", StringComparison.Ordinal) && line.Contains(parts[3] + "=", StringComparison.Ordinal))
                .Select(Tainted).FirstOrDefault(o => o is not null);
            return origin is null ? null : $"{reference}, which an earlier step writes from {origin}";
        }

        if (parts[0] == "matrix")
        {
            var values = (job.Matrix.GetValueOrDefault(parts[1]) ?? []).Concat(job.Matrix.GetValueOrDefault("*") ?? []);
            var origin = values.Select(v => Tainted(v.Value)).FirstOrDefault(o => o is not null);
            return origin is null ? null : $"matrix.{parts[1]}, which is set from {origin}";
        }

        return null;
    }

    /// <summary>The outside value an earlier step of the job writes as <paramref name="name"/> to <c>GITHUB_ENV</c> (<c>NAME=…</c>, or a <c>NAME&lt;&lt;EOF</c> block), directly or through a variable of that step's env; null when none.</summary>
    private static string? WrittenToGitHubEnv(string name, CiJob job, CiStep step)
    {
        foreach (var earlier in job.Steps.TakeWhile(s => s != step))
        {
            foreach (var script in Scripts.Of(earlier))
            {
                var lines = script.Value.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    if (!lines[i].Contains("GITHUB_ENV", StringComparison.Ordinal)) continue;
                    var at = lines[i].IndexOf(name, StringComparison.Ordinal);
                    if (at < 0 || at + name.Length >= lines[i].Length || (at > 0 && (char.IsAsciiLetterOrDigit(lines[i][at - 1]) || lines[i][at - 1] == '_'))) continue;
                    var rest = lines[i][(at + name.Length)..];
                    // NAME<<EOF: the value is the block of lines up to the delimiter.
                    var value = rest.StartsWith('=') ? rest
                        : Delimiter().Match(rest) is { Success: true } d ? string.Join('\n', lines.Skip(i + 1).TakeWhile(l => l.Trim() != d.Groups[1].Value).Take(50))
                        : null;
                    if (value is null) continue;
                    if (Tainted(value) is { } direct) return direct;
                    foreach (Match v in ShellVariable().Matches(value))
                    {
                        if (earlier.Env.GetValueOrDefault(v.Groups[1].Value) is { } env && Tainted(env.Value) is { } viaEnv) return $"${v.Groups[1].Value} = {viaEnv}";
                    }
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"^<<-?\s*['""]?(\w+)")]
    private static partial Regex Delimiter();

    [GeneratedRegex(@"\$\{?([A-Za-z_]\w*)")]
    private static partial Regex ShellVariable();

    private static string? Tainted(string text) =>
        Expressions.Spans(text).Where(s => !Expressions.IsBooleanOnly(s.Inner))
            .SelectMany(s => Expressions.References(s.Inner)).FirstOrDefault(Expressions.IsAttackerControlled);
}
