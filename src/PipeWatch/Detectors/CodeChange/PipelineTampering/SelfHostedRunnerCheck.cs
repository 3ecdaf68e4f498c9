using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>Finds jobs on self-hosted runners (a <c>self-hosted</c> label, a runner group, a named Azure agent pool), high when pull requests trigger them.</summary>
/// <remarks><c>runs-on: ${{ matrix.X }}</c> is resolved through the job's matrix, <c>exclude</c> entries removed. Whether the repository is public is not known from the file.</remarks>
internal sealed class SelfHostedRunnerCheck : IWorkflowCheck
{
    public static readonly string Rule = Scripts.Rule("self-hosted-runner");

    // Reads runner labels, matrices and their exclusions, and the triggers: ValueChange replaces none of them.
    public bool Sees(DerivedChange change) => false;

    public IEnumerable<WorkflowIssue> Check(CiDefinition definition)
    {
        var pullRequests = definition.TriggeredBy("pull_request", "pull_request_target", "pr");
        foreach (var job in definition.Jobs)
        {
            foreach (var label in job.RunsOn)
            {
                var runner = Resolve(label.Value, job).FirstOrDefault(IsSelfHosted);
                if (runner is null) continue;
                yield return new WorkflowIssue(
                    Rule, pullRequests ? Severity.High : Severity.Low, label.Line, job.Id, null, $"{job.Id}|{runner}",
                    $"Job '{job.Id}' runs on a self-hosted runner ({runner}){(pullRequests ? " and pull requests trigger it" : string.Empty)}",
                    pullRequests
                        ? $"'{runner}' is a self-hosted runner and the workflow runs on pull requests: in a public repository anyone can open one and run code on that machine, which keeps state between jobs and sits inside your network."
                        : $"'{runner}' is a self-hosted runner: it keeps state between jobs and sits inside your network, so make sure no pull request from a fork can reach it.");
            }
        }
    }

    private static IEnumerable<string> Resolve(string label, CiJob job)
    {
        foreach (var (_, inner) in Expressions.Spans(label))
        {
            foreach (var reference in Expressions.References(inner))
            {
                if (!reference.StartsWith("matrix.", StringComparison.Ordinal)) continue;
                var dimension = reference["matrix.".Length..];
                var excluded = job.Excluded.GetValueOrDefault(dimension) ?? [];
                foreach (var value in job.Matrix.GetValueOrDefault(dimension) ?? [])
                {
                    if (!excluded.Contains(value.Value)) yield return value.Value;
                }
            }
        }

        yield return label;
    }

    private static bool IsSelfHosted(string label) =>
        label.Equals("self-hosted", StringComparison.OrdinalIgnoreCase)
        || label.StartsWith("group:", StringComparison.Ordinal)
        || (label.StartsWith("pool:", StringComparison.Ordinal) && !label.Contains("Azure Pipelines", StringComparison.OrdinalIgnoreCase));
}
