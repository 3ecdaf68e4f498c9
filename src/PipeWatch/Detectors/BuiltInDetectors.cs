using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Detectors.Rules;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Diagnostics;
using PipeWatch.Rules.Sigma;

namespace PipeWatch.Detectors;

/// <summary>The one list of built-in detectors, configured from <see cref="PipeWatchConfig"/>.</summary>
public static class BuiltInDetectors
{
    /// <summary>Every built-in detector not disabled in the config; a Sigma rule that cannot be loaded is reported to <paramref name="problems"/> and left out.</summary>
    /// <param name="config">Settings and disabled detectors.</param>
    /// <param name="problems">Where Sigma rules that cannot be loaded are reported.</param>
    /// <param name="advisories">The vulnerability advisories ingested dependency files are matched against (none when null).</param>
    public static IReadOnlyList<IDetector> Create(PipeWatchConfig config, IProblemReporter? problems = null, IAdvisoryIndex? advisories = null)
    {
        var lockfiles = new LockfileCache(problems ?? new ProblemLog());
        advisories ??= new InMemoryAdvisoryIndex([]);
        IDetector[] all =
        [
            new LongDurationDetector(config.LongDuration),
            new StepOrderChangedDetector(config.StepOrderChanged),
            new UnexpectedFailureDetector(config.UnexpectedFailure),
            new RepeatedFailuresDetector(config.RepeatedFailures),
            new UnauthorizedSecretAccessDetector(config.UnauthorizedSecretAccess),
            new SuspiciousLoginDetector(config.SuspiciousLogin),
            new PermissionWidenedDetector(config.PermissionWidened),
            new UnapprovedTargetDetector(config.UnapprovedTarget),
            new ExcessiveFrequencyDetector(config.ExcessiveFrequency),
            new UnusualDeployActorDetector(config.UnusualDeployActor),
            new UnauthorizedAuthorDetector(config.UnauthorizedAuthor),
            new UnusualCommitTimeDetector(config.UnusualCommitTime),
            new UnusualCommitLocationDetector(config.UnusualCommitLocation),
            new LargeDeletionDetector(config.LargeDeletion),
            new SecretExposedInLogDetector(config.SecretExposedInLog),
            Sigma(config.Sigma, problems),
            new KnownVulnerabilityDetector(advisories, lockfiles),
            new CiInfrastructureVulnerabilityDetector(advisories, lockfiles),
            new UntrustedSourceDetector(lockfiles, config.UntrustedSource),
            new Network.UnusualEgressDetector(),
            new Performance.ResourceSpikeDetector(),
        ];
        return [.. all.Where(d => !config.Disabled.Contains(d.Info.Id))];
    }

    private static SigmaRuleDetector Sigma(SigmaRulesOptions options, IProblemReporter? problems)
    {
        var found = new List<Problem>();
        var rules = SigmaRuleSources.Load(options, found);
        foreach (var problem in found) problems?.Report(problem);
        return new SigmaRuleDetector(rules, new SigmaCorrelatorOptions { MaxGroups = options.MaxGroups });
    }
}
