using PipeWatch.Alerting;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Rules.Sigma;

namespace PipeWatch.Configuration;

/// <summary>The validated, immutable configuration: what <c>pipewatch.yml</c> said, with defaults for what it did not.</summary>
public sealed record PipeWatchConfig
{
    /// <summary>The built-in defaults, used when there is no pipewatch.yml.</summary>
    public static PipeWatchConfig Default { get; } = new();

    /// <summary>The file it was read from, null for the defaults.</summary>
    public string? File { get; init; }

    /// <summary>Detector ids turned off with <c>enabled: false</c>.</summary>
    public IReadOnlySet<string> Disabled { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public LongDurationOptions LongDuration { get; init; } = new();

    public StepOrderChangedOptions StepOrderChanged { get; init; } = new();

    public UnexpectedFailureOptions UnexpectedFailure { get; init; } = new();

    public RepeatedFailuresOptions RepeatedFailures { get; init; } = new();

    /// <summary>How findings are grouped into incidents.</summary>
    public IncidentOptions Incidents { get; init; } = new();

    /// <summary>How behavioural signals are weighed into alerts.</summary>
    public Alerting.Signals.SignalOptions Signals { get; init; } = new();

    public UnauthorizedSecretAccessOptions UnauthorizedSecretAccess { get; init; } = new();

    public SuspiciousLoginOptions SuspiciousLogin { get; init; } = new();

    public PermissionWidenedOptions PermissionWidened { get; init; } = new();

    public UnapprovedTargetOptions UnapprovedTarget { get; init; } = new();

    public ExcessiveFrequencyOptions ExcessiveFrequency { get; init; } = new();

    public UnusualDeployActorOptions UnusualDeployActor { get; init; } = new();

    public UnauthorizedAuthorOptions UnauthorizedAuthor { get; init; } = new();

    public UnusualCommitTimeOptions UnusualCommitTime { get; init; } = new();

    public UnusualCommitLocationOptions UnusualCommitLocation { get; init; } = new();

    public LargeDeletionOptions LargeDeletion { get; init; } = new();

    public ObfuscatedCodeOptions ObfuscatedCode { get; init; } = new();

    /// <summary>What <c>pipewatch scan</c>'s secret analyzer does not report.</summary>
    public HardcodedSecretOptions HardcodedSecret { get; init; } = new();

    public SecretExposedInLogOptions SecretExposedInLog { get; init; } = new();

    /// <summary>Which Sigma rules run (the <c>sigma</c> section).</summary>
    public SigmaRulesOptions Sigma { get; init; } = new();

    /// <summary>Which registries dependencies may be resolved from (<c>detectors.dependency.untrusted-source</c>).</summary>
    public UntrustedSourceOptions UntrustedSource { get; init; } = new();

    /// <summary>Where alerts go: the routes of the <c>alerts</c> section.</summary>
    public Sinks.Routing.AlertsOptions Alerts { get; init; } = Sinks.Routing.AlertsOptions.None;

    /// <summary>Findings that match an entry are not reported.</summary>
    public IReadOnlyList<AllowEntry> Allow { get; init; } = [];
}
