using PipeWatch.Baselines;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Detectors.Secrets;

namespace PipeWatch.Configuration;

/// <summary>Every <c>detectors.&lt;id&gt;</c> section of pipewatch.yml and its keys: adding a detector's config is one entry here.</summary>
internal static class DetectorSettings
{
    /// <summary>The sections, in the order "expected one of" lists them.</summary>
    public static IReadOnlyList<DetectorSection> All { get; } =
    [
        DetectorSection.For<LongDurationOptions>(
            "pipeline.long-duration", c => c.LongDuration, (c, o) => c with { LongDuration = o },
            [
                Setting.MinimumSamples<LongDurationOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Number<LongDurationOptions>("threshold", 0.5, 1000, (o, v) => o with { Threshold = v }),
                Setting.Number<LongDurationOptions>("min-ratio", 1, 1000, (o, v) => o with { MinimumRatio = v }),
                Setting.Duration<LongDurationOptions>("min-increase", (o, v) => o with { MinimumIncrease = v }),
            ]),
        DetectorSection.For<StepOrderChangedOptions>(
            "pipeline.step-order-changed", c => c.StepOrderChanged, (c, o) => c with { StepOrderChanged = o },
            [
                Setting.MinimumSamples<StepOrderChangedOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Int<StepOrderChangedOptions>("adopt-after", 1, 1000, (o, v) => o with { AdoptAfter = v }),
            ]),
        DetectorSection.For<UnexpectedFailureOptions>(
            "pipeline.unexpected-failure", c => c.UnexpectedFailure, (c, o) => c with { UnexpectedFailure = o },
            [
                // Its outcome window holds 64 runs: a larger minimum could never be met.
                Setting.MinimumSamples<UnexpectedFailureOptions>((o, v) => o with { MinimumSamples = v }, OutcomeHistory.Capacity),
                Setting.Number<UnexpectedFailureOptions>("max-failure-rate", 0, 1, (o, v) => o with { MaximumFailureRate = v }),
            ]),
        DetectorSection.For<RepeatedFailuresOptions>(
            "pipeline.repeated-failures", c => c.RepeatedFailures, (c, o) => c with { RepeatedFailures = o },
            [
                Setting.Int<RepeatedFailuresOptions>("streak", 2, 1000, (o, v) => o with { Streak = v }),
            ]),
        DetectorSection.For<UnauthorizedSecretAccessOptions>(
            "secrets.unauthorized-access", c => c.UnauthorizedSecretAccess, (c, o) => c with { UnauthorizedSecretAccess = o },
            [
                Setting.MinimumSamples<UnauthorizedSecretAccessOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Strings<UnauthorizedSecretAccessOptions>("broad-scopes", (o, v) => o with { BroadScopes = v }),
            ]),
        DetectorSection.For<SuspiciousLoginOptions>(
            "access.suspicious-login", c => c.SuspiciousLogin, (c, o) => c with { SuspiciousLogin = o },
            [
                Setting.Int<SuspiciousLoginOptions>("failure-burst", 2, 10_000, (o, v) => o with { FailureBurst = v }),
                Setting.Duration<SuspiciousLoginOptions>("failure-window", (o, v) => o with { FailureWindow = v }),
                Setting.MinimumSamples<SuspiciousLoginOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Bool<SuspiciousLoginOptions>("report-new-ip", (o, v) => o with { ReportNewIp = v }),
                Setting.Number<SuspiciousLoginOptions>("max-speed-kmh", 100, 100_000, (o, v) => o with { MaximumSpeedKmh = v }),
                Setting.Number<SuspiciousLoginOptions>("min-distance-km", 0, 20_000, (o, v) => o with { MinimumDistanceKm = v }),
                Setting.Int<SuspiciousLoginOptions>("min-hour-samples", 1, 1_000_000, (o, v) => o with { MinimumHourSamples = v }),
                Setting.Number<SuspiciousLoginOptions>("max-hour-share", 0, 1, (o, v) => o with { MaximumHourShare = v }),
            ]),
        DetectorSection.For<PermissionWidenedOptions>(
            "access.permission-widened", c => c.PermissionWidened, (c, o) => c with { PermissionWidened = o },
            [
                Setting.Strings<PermissionWidenedOptions>("webhook-domains", (o, v) => o with { WebhookDomains = v }),
            ]),
        DetectorSection.For<UnapprovedTargetOptions>(
            "deployment.unapproved-target", c => c.UnapprovedTarget, (c, o) => c with { UnapprovedTarget = o },
            [
                Setting.MinimumSamples<UnapprovedTargetOptions>((o, v) => o with { MinimumSamples = v }),
                new("approved", (reader, node, at, o) => o with { Approved = ApprovedTargetsReader.Read(reader, node, at) }),
            ]),
        DetectorSection.For<ExcessiveFrequencyOptions>(
            "deployment.excessive-frequency", c => c.ExcessiveFrequency, (c, o) => c with { ExcessiveFrequency = o },
            [
                Setting.Int<ExcessiveFrequencyOptions>("weeks", 1, HourlyDeployCounts.MaximumWeeks - 1, (o, v) => o with { Weeks = v }),
                Setting.Int<ExcessiveFrequencyOptions>("min-weeks", 1, HourlyDeployCounts.MaximumWeeks - 1, (o, v) => o with { MinimumWeeks = v }),
                Setting.Int<ExcessiveFrequencyOptions>("min-count", 1, 10_000, (o, v) => o with { MinimumCount = v }),
                Setting.Number<ExcessiveFrequencyOptions>("probability", 1e-9, 0.5, (o, v) => o with { Probability = v }),
                Setting.Int<ExcessiveFrequencyOptions>("burst-count", 2, 1000, (o, v) => o with { BurstCount = v }),
                Setting.Duration<ExcessiveFrequencyOptions>("burst-window", (o, v) => o with { BurstWindow = v }),
            ],
            o => o.MinimumWeeks > o.Weeks
                ? $"min-weeks ({o.MinimumWeeks}) cannot exceed weeks ({o.Weeks}): the hourly rule could never fire"
                : null),
        DetectorSection.For<UnusualDeployActorOptions>(
            "deployment.unusual-actor", c => c.UnusualDeployActor, (c, o) => c with { UnusualDeployActor = o },
            [
                Setting.MinimumSamples<UnusualDeployActorOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Strings<UnusualDeployActorOptions>("bots", (o, v) => o with { Bots = v }),
                Setting.Int<UnusualDeployActorOptions>("min-hour-samples", 1, 1_000_000, (o, v) => o with { MinimumHourSamples = v }),
                Setting.Int<UnusualDeployActorOptions>("hour-window", 0, 12, (o, v) => o with { HourWindow = v }),
                Setting.Number<UnusualDeployActorOptions>("max-hour-share", 0, 1, (o, v) => o with { MaximumHourShare = v }),
            ]),
        DetectorSection.For<UnauthorizedAuthorOptions>(
            "code-change.unauthorized-author", c => c.UnauthorizedAuthor, (c, o) => c with { UnauthorizedAuthor = o },
            [
                Setting.MinimumSamples<UnauthorizedAuthorOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Number<UnauthorizedAuthorOptions>("signed-share", 0.5, 1, (o, v) => o with { SignedShare = v }),
                Setting.Strings<UnauthorizedAuthorOptions>("bots", (o, v) => o with { Bots = v }),
                new("authors", (reader, node, at, o) => o with { Authors = AuthorRulesReader.Read(reader, node, at) }),
            ]),
        DetectorSection.For<UnusualCommitTimeOptions>(
            "code-change.unusual-time", c => c.UnusualCommitTime, (c, o) => c with { UnusualCommitTime = o },
            [
                Setting.MinimumSamples<UnusualCommitTimeOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Int<UnusualCommitTimeOptions>("hour-window", 0, 12, (o, v) => o with { HourWindow = v }),
                Setting.Number<UnusualCommitTimeOptions>("max-hour-share", 0, 1, (o, v) => o with { MaximumHourShare = v }),
                Setting.Int<UnusualCommitTimeOptions>("min-hour-distance", 0, 12, (o, v) => o with { MinimumHourDistance = v }),
                Setting.Number<UnusualCommitTimeOptions>("max-model-share", 0, 1, (o, v) => o with { MaximumModelShare = v }),
                Setting.Strings<UnusualCommitTimeOptions>("bots", (o, v) => o with { Bots = v }),
            ]),
        DetectorSection.For<UnusualCommitLocationOptions>(
            "code-change.unusual-location", c => c.UnusualCommitLocation, (c, o) => c with { UnusualCommitLocation = o },
            [
                Setting.MinimumSamples<UnusualCommitLocationOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Int<UnusualCommitLocationOptions>("offset-tolerance", 0, 720, (o, v) => o with { OffsetTolerance = v }),
                Setting.Strings<UnusualCommitLocationOptions>("bots", (o, v) => o with { Bots = v }),
            ]),
        DetectorSection.For<LargeDeletionOptions>(
            "code-change.large-deletion", c => c.LargeDeletion, (c, o) => c with { LargeDeletion = o },
            [
                Setting.MinimumSamples<LargeDeletionOptions>((o, v) => o with { MinimumSamples = v }),
                Setting.Number<LargeDeletionOptions>("threshold", 1, 1000, (o, v) => o with { Threshold = v }),
                Setting.Int<LargeDeletionOptions>("min-lines", 1, 10_000_000, (o, v) => o with { MinimumLines = v }),
            ]),
        DetectorSection.For<ObfuscatedCodeOptions>(
            "code-change.obfuscated-code", c => c.ObfuscatedCode, (c, o) => c with { ObfuscatedCode = o },
            [
                Setting.Int<ObfuscatedCodeOptions>("minified-line-length", 100, 1_000_000, (o, v) => o with { MinifiedLineLength = v }),
            ]),
        DetectorSection.For<HardcodedSecretOptions>(
            "secrets.hardcoded", c => c.HardcodedSecret, (c, o) => c with { HardcodedSecret = o },
            [
                Setting.Strings<HardcodedSecretOptions>("paths", (o, v) => o with { Paths = v }),
                new("regexes", (reader, node, at, o) => o with { Regexes = reader.Regexes(node, at) }),
                Setting.Strings<HardcodedSecretOptions>("stopwords", (o, v) => o with { Stopwords = v }),
            ]),
        DetectorSection.For<SecretExposedInLogOptions>(
            "secrets.exposed-in-log", c => c.SecretExposedInLog, (c, o) => c with { SecretExposedInLog = o },
            [
                Setting.Int<SecretExposedInLogOptions>("decode-depth", 0, 10, (o, v) => o with { DecodeDepth = v }),
                Setting.Int<SecretExposedInLogOptions>("min-encoded-length", 8, 4096, (o, v) => o with { MinimumEncodedLength = v }),
            ]),
        DetectorSection.For<UntrustedSourceOptions>(
            "dependency.untrusted-source", c => c.UntrustedSource, (c, o) => c with { UntrustedSource = o },
            [
                Setting.Strings<UntrustedSourceOptions>("registries", (o, v) => o with { Registries = v }),
                Setting.Bool<UntrustedSourceOptions>("allow-git", (o, v) => o with { AllowGit = v }),
            ]),
    ];

    /// <summary>The section of <paramref name="id"/>, or null when there is none.</summary>
    public static DetectorSection? Find(string id) => All.FirstOrDefault(s => s.Id == id);
}
