using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds <c>${{ … }}</c> expressions an outsider controls (issue and pull-request titles and bodies, branch names, commit messages…) expanded into code a step runs.</summary>
/// <remarks>
/// Follows one level of indirection: <c>env.X</c> set from such a value (step, job or workflow env), <c>matrix.X</c> with such a value, and
/// <c>steps.ID.outputs.X</c> where an earlier step of the job writes <c>X=</c> such a value to <c>GITHUB_OUTPUT</c>.
/// <c>inputs.*</c> counts as outside input in a composite action and in a workflow callable by others (<c>workflow_call</c>).
/// Expressions that can only yield a boolean (comparisons, <c>contains(…)</c>) are not reported.
/// </remarks>
internal sealed class TemplateInjectionCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("template-injection");

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        var inputsUntrusted = definition.Platform == CiPlatform.GitHubAction || definition.TriggeredBy("workflow_call");
        foreach (var job in definition.Jobs)
        {
            foreach (var step in job.Steps)
            {
                foreach (var script in Scripts.Of(step))
                {
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
            return value is not null && Tainted(value.Value) is { } origin ? $"env.{parts[1]}, which is set from {origin}" : null;
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

    private static string? Tainted(string text) =>
        Expressions.Spans(text).Where(s => !Expressions.IsBooleanOnly(s.Inner))
            .SelectMany(s => Expressions.References(s.Inner)).FirstOrDefault(Expressions.IsAttackerControlled);
}
