using PipeWatch.Configuration;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Detectors.Secrets;

namespace PipeWatch.Detectors;

/// <summary>The one list of built-in detectors, configured from <see cref="PipeWatchConfig"/>.</summary>
public static class BuiltInDetectors
{
    /// <summary>Every built-in detector not disabled in the config.</summary>
    public static IReadOnlyList<IDetector> Create(PipeWatchConfig config)
    {
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
        ];
        return [.. all.Where(d => !config.Disabled.Contains(d.Info.Id))];
    }
}
