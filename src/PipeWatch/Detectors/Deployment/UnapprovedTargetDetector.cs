using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Events;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Finds deployments to an environment or target not approved for the repository, or, without an approved list, never deployed to before.</summary>
/// <remarks>
/// A repository matched by an entry of the approved list is held to the list (high severity, from the first deployment).
/// Any other repository learns its targets: once it has made the minimum number of deployments, a new environment/target
/// pair is reported (medium). Review events are not deployments and are ignored.
/// </remarks>
internal sealed class UnapprovedTargetDetector : IDetector
{
    private readonly UnapprovedTargetOptions _options;
    private readonly IReadOnlyList<CompiledEntry> _approved;

    public UnapprovedTargetDetector(UnapprovedTargetOptions? options = null)
    {
        _options = options ?? new UnapprovedTargetOptions();
        _approved = [.. _options.Approved.Select(a => new CompiledEntry(
            a,
            DeploymentKeys.Glob(a.Repository), [.. a.Environments.Select(DeploymentKeys.Glob)], [.. a.Targets.Select(DeploymentKeys.Glob)]))];
    }

    public DetectorInfo Info { get; } = new(
        "deployment.unapproved-target",
        Categories.UnapprovedTarget,
        [EventKind.Deployment],
        "A deployment to an environment or target not on the repository's approved list, or never deployed to before.");

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Deployment is not { } deployment || DeploymentKeys.IsReview(e)) return;
        var scope = DeploymentKeys.Scope(e);
        var target = deployment.Target ?? deployment.Environment;
        var id = DeploymentKeys.DeploymentId(e);
        var entries = _approved.Where(a => a.Repository.IsMatch(scope)).ToList();
        if (entries.Count > 0)
        {
            if (!entries.Any(a => a.Allows(deployment.Environment, target)))
            {
                Report(e, context, scope, id, Severity.High,
                    $"'{scope}' deployed to environment '{deployment.Environment}', target '{target}', which is not on its approved list " +
                    $"({entries.Count} matching entr{(entries.Count == 1 ? "y" : "ies")} allow environments {List(entries, a => a.Environments)} " +
                    $"and targets {List(entries, a => a.Targets)}).");
            }

            return;
        }

        var known = context.Baselines.Get<DeployTargets>(scope);
        var pair = $"{deployment.Environment} → {target}";
        var before = known.Deployments;
        known.CountDeployment(id);
        if (!known.Knows(pair) && before >= _options.MinimumSamples)
        {
            Report(e, context, scope, id, Severity.Medium,
                $"'{scope}' deployed to environment '{deployment.Environment}', target '{target}', for the first time: its " +
                $"{before.ToString(CultureInfo.InvariantCulture)} earlier deployments went to {known.Count.ToString(CultureInfo.InvariantCulture)} known target(s) " +
                $"({string.Join(", ", known.Top(5))}); no approved list covers it (minimum {_options.MinimumSamples.ToString(CultureInfo.InvariantCulture)} deployments).");
        }

        known.Learn(pair);
    }

    private void Report(Event e, DetectionContext context, string scope, string id, Severity severity, string explanation)
    {
        var deployment = e.Deployment!;
        var target = deployment.Target ?? deployment.Environment;
        context.Report(new Finding
        {
            Rule = Info.Id,
            Category = Info.Category,
            Severity = severity,
            Title = severity == Severity.High
                ? $"Deployment to unapproved target '{target}' ({deployment.Environment})"
                : $"First deployment to target '{target}' ({deployment.Environment})",
            Explanation = explanation,
            Entity = new Entity(scope, NullIfEmpty(e.Ci.Pipeline), Actor: e.UserName, Environment: deployment.Environment),
            Location = new Location(NullIfEmpty(e.Ci.RunId), e.Origin.File, e.Origin.Line, e.Ci.Commit, e.Url),
            Evidence =
            [
                Evidence.Of("environment", deployment.Environment),
                Evidence.Of("target", target),
                Evidence.Of("deployment_id", id),
            ],
            Techniques = ["T1610"],
            Timestamp = e.Timestamp,
            DetectedAt = context.Now,
            // One finding per deployment, however many status events it has and whichever target each names
            // (GitHub's 'created' event names the environment, its 'success' status the URL).
            Fingerprint = Fingerprint.Of(Info.Id, scope, id),
        });
    }

    private static string List(List<CompiledEntry> entries, Func<ApprovedTargets, IReadOnlyList<string>> pick)
    {
        var globs = entries.Select(e => e.Source).SelectMany(pick).Distinct(StringComparer.Ordinal).ToList();
        return globs.Count == 0 ? "(any)" : string.Join(", ", globs.Select(g => $"'{g}'"));
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private sealed record CompiledEntry(ApprovedTargets Source, Regex Repository, IReadOnlyList<Regex> Environments, IReadOnlyList<Regex> Targets)
    {
        public bool Allows(string environment, string target) =>
            (Environments.Count == 0 || Environments.Any(g => g.IsMatch(environment)))
            && (Targets.Count == 0 || Targets.Any(g => g.IsMatch(target)));
    }
}
