using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Detectors.Pipeline;
using PipeWatch.Detectors.Rules;
using PipeWatch.Detectors.Secrets;
using PipeWatch.Detectors.Secrets.Verification;
using PipeWatch.Detectors.ThreatIntel;
using PipeWatch.Diagnostics;
using PipeWatch.Intel;
using PipeWatch.Rules.Patterns;
using PipeWatch.Rules.Sigma;
using PipeWatch.Store;

namespace PipeWatch.Detectors;

/// <summary>
/// The one registry of built-in detectors, over events (<see cref="IDetector"/>: <c>ingest</c>, <c>serve</c>) and over commits
/// (<see cref="ICommitDetector"/>: <c>scan</c>), each with the modes it runs in, configured from <see cref="PipeWatchConfig"/>.
/// Adding a detector is one line in <see cref="Registrations"/>.
/// </summary>
public static class BuiltInDetectors
{
    /// <summary>The <c>detectors.&lt;id&gt;</c> sections of pipewatch.yml, in the order "expected one of" lists them; each is declared beside its options.</summary>
    internal static IReadOnlyList<DetectorSection> Sections { get; } =
    [
        LongDurationOptions.Section,
        StepOrderChangedOptions.Section,
        UnexpectedFailureOptions.Section,
        RepeatedFailuresOptions.Section,
        UnauthorizedSecretAccessOptions.Section,
        SuspiciousLoginOptions.Section,
        PermissionWidenedOptions.Section,
        UnapprovedTargetOptions.Section,
        ExcessiveFrequencyOptions.Section,
        UnusualDeployActorOptions.Section,
        UnauthorizedAuthorOptions.Section,
        UnusualCommitTimeOptions.Section,
        UnusualCommitLocationOptions.Section,
        LargeDeletionOptions.Section,
        ObfuscatedCodeOptions.Section,
        PipelineTamperingOptions.Section,
        HardcodedSecretOptions.Section,
        SecretExposedInLogOptions.Section,
        UntrustedSourceOptions.Section,
        Network.UnusualEgressOptions.Section,
        Performance.ResourceSpikeOptions.Section,
    ];

    /// <summary>The section of <paramref name="id"/>, or null when there is none.</summary>
    internal static DetectorSection? Section(string id) => Sections.FirstOrDefault(s => s.Id == id);

    /// <summary>Every built-in event detector not disabled in the config; a Sigma rule that cannot be loaded is reported to <paramref name="problems"/> and left out.</summary>
    /// <param name="config">Settings and disabled detectors.</param>
    /// <param name="problems">Where Sigma rules that cannot be loaded are reported.</param>
    /// <param name="advisories">The vulnerability advisories ingested dependency files are matched against (none when null).</param>
    /// <param name="intel">The threat-intel indicators in force (the built-in exfiltration-service list alone when null).</param>
    /// <param name="knownSecrets">The store whose learned secrets ('secrets learn') job logs and telemetry are searched for (none when null).</param>
    public static IReadOnlyList<IDetector> Create(
        PipeWatchConfig config, IProblemReporter? problems = null, IAdvisoryIndex? advisories = null, IndicatorIndex? intel = null, IKnownSecretStore? knownSecrets = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var known = knownSecrets is null ? null : KnownSecretIndex.Load(knownSecrets);
        var setup = new Setup(config, problems, advisories, SecretRuleBook.BuiltIn) { Intel = intel, KnownSecrets = known };
        return [.. Registrations(setup)
            .Where(r => (r.Modes & DetectorModes.Ingest) != 0)
            .Select(r => (IDetector)r.Create())
            .Where(d => !config.Disabled.Contains(d.Info.Id))];
    }

    /// <summary>Every built-in detector of a scan not disabled in the config, in the order they see each commit.</summary>
    /// <param name="config">Settings and disabled detectors.</param>
    /// <param name="secretRules">The secret rules of the scan (built-in, or from <c>--rules</c>).</param>
    /// <param name="advisories">The vulnerability advisories to match dependencies against (none when null).</param>
    /// <param name="problems">Where the dependency detectors report files they cannot parse (nowhere when null).</param>
    /// <param name="commits">
    /// False for a plain folder (<c>scan --no-git</c>), whose files come from no commit: the detectors of who committed, when,
    /// from where and how much (the commit-event detectors) are left out, as there is no author, time or size to judge, and so
    /// is the one of dependencies a commit adds (every package of a folder would be "added", by nobody).
    /// </param>
    /// <param name="intel">The threat-intel indicators added lines are matched against (the built-in exfiltration-service list alone when null).</param>
    public static IReadOnlyList<ICommitDetector> ForScan(
        PipeWatchConfig config, SecretRuleBook secretRules, IAdvisoryIndex? advisories = null, IProblemReporter? problems = null, bool commits = true, IndicatorIndex? intel = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var setup = new Setup(config, problems, advisories, secretRules, history: commits) { Intel = intel };
        var events = new CommitEventAdapter.SharedEvent();
        return [.. Registrations(setup)
            .Where(r => (r.Modes & DetectorModes.Scan) != 0 && (commits || !r.NeedsHistory))
            .Select(r => r.Create() switch
            {
                ICommitDetector detector => detector,
                IDetector detector => new CommitEventAdapter(detector, events),
                var other => throw new InvalidOperationException($"{other.GetType().Name} is neither a commit nor an event detector."),
            })
            .Where(d => !config.Disabled.Contains(d.Info.Id))];
    }

    /// <summary>Every registration with the default settings, built once: what the catalog describes.</summary>
    internal static IEnumerable<(DetectorInfo Info, DetectorModes Modes)> Described()
    {
        var setup = new Setup(PipeWatchConfig.Default, null, null, SecretRuleBook.BuiltIn);
        foreach (var registration in Registrations(setup))
        {
            var info = registration.Create() switch
            {
                IDetector detector => detector.Info,
                ICommitDetector detector => detector.Info,
                var other => throw new InvalidOperationException($"{other.GetType().Name} is neither a commit nor an event detector."),
            };
            yield return (info, registration.Modes);
        }
    }

    // The registry. Order matters: it is the order in which detectors see an event or a commit, so findings come out in it.
    // An event detector of commit events registered for Scan runs in a scan through CommitEventAdapter.
    private static IEnumerable<Registration> Registrations(Setup s)
    {
        const DetectorModes Events = DetectorModes.Ingest | DetectorModes.Serve;
        const DetectorModes Everywhere = Events | DetectorModes.Scan;
        var c = s.Config;
        yield return new(DetectorModes.Scan, () => new HardcodedSecretDetector(s.SecretRules, c.Options<HardcodedSecretOptions>(), s.Problems, s.Verifier));
        yield return new(DetectorModes.Scan, () => new PipelineTamperingDetector(c.Options<PipelineTamperingOptions>(), recognizeByContent: !s.History));
        yield return new(DetectorModes.Scan, () => new ObfuscatedCodeDetector(c.Options<ObfuscatedCodeOptions>()));
        yield return new(Events, () => new LongDurationDetector(c.Options<LongDurationOptions>()));
        yield return new(Events, () => new StepOrderChangedDetector(c.Options<StepOrderChangedOptions>()));
        yield return new(Events, () => new UnexpectedFailureDetector(c.Options<UnexpectedFailureOptions>()));
        yield return new(Events, () => new RepeatedFailuresDetector(c.Options<RepeatedFailuresOptions>()));
        yield return new(Events, () => new UnauthorizedSecretAccessDetector(c.Options<UnauthorizedSecretAccessOptions>()));
        yield return new(Events, () => new SuspiciousLoginDetector(c.Options<SuspiciousLoginOptions>()));
        yield return new(Events, () => new PermissionWidenedDetector(c.Options<PermissionWidenedOptions>()));
        yield return new(Events, () => new UnapprovedTargetDetector(c.Options<UnapprovedTargetOptions>()));
        yield return new(Events, () => new ExcessiveFrequencyDetector(c.Options<ExcessiveFrequencyOptions>()));
        yield return new(Events, () => new UnusualDeployActorDetector(c.Options<UnusualDeployActorOptions>()));
        yield return new(Everywhere, () => new UnauthorizedAuthorDetector(c.Options<UnauthorizedAuthorOptions>()), NeedsHistory: true);
        yield return new(Everywhere, () => new UnusualCommitTimeDetector(c.Options<UnusualCommitTimeOptions>()), NeedsHistory: true);
        yield return new(Everywhere, () => new UnusualCommitLocationDetector(c.Options<UnusualCommitLocationOptions>()), NeedsHistory: true);
        yield return new(Everywhere, () => new LargeDeletionDetector(c.Options<LargeDeletionOptions>()), NeedsHistory: true);
        yield return new(Events, () => new SecretExposedInLogDetector(c.Options<SecretExposedInLogOptions>(), verifier: s.Verifier));
        yield return new(Events, () => new KnownSecretExposedDetector(s.KnownSecrets ?? KnownSecretIndex.Empty));
        yield return new(Events, () => Sigma(c.Sigma, s.Problems));
        yield return new(Everywhere, () => new KnownVulnerabilityDetector(s.Advisories, s.Lockfiles));
        yield return new(Everywhere, () => new CiInfrastructureVulnerabilityDetector(s.Advisories, s.Lockfiles));
        yield return new(DetectorModes.Scan, () => new UnexpectedNewDependencyDetector(s.Lockfiles, PopularPackages.BuiltIn, s.Problems), NeedsHistory: true);
        yield return new(Everywhere, () => new UntrustedSourceDetector(s.Lockfiles, c.Options<UntrustedSourceOptions>()));
        yield return new(Events, () => new Network.UnusualEgressDetector(c.Options<Network.UnusualEgressOptions>()));
        yield return new(Events, () => new Performance.ResourceSpikeDetector(c.Options<Performance.ResourceSpikeOptions>()));
        yield return new(Everywhere, () => new C2ContactDetector(s.Intel));
        yield return new(Everywhere, () => new MaliciousHashDetector(s.Intel));
        yield return new(Events, () => new SameToolNewBytesDetector());
    }

    private static SigmaRuleDetector Sigma(SigmaRulesOptions options, IProblemReporter? problems)
    {
        var found = new List<Problem>();
        var rules = SigmaRuleSources.Load(options, found);
        foreach (var problem in found) problems?.Report(problem);
        return new SigmaRuleDetector(rules, new SigmaCorrelatorOptions { MaxGroups = options.MaxGroups }, problems);
    }

    /// <summary>One detector of the registry: the modes it runs in and how to make it.</summary>
    /// <param name="NeedsHistory">True when it judges commits themselves (author, time, size, what a commit added): not run on a plain folder.</param>
    private sealed record Registration(DetectorModes Modes, Func<object> Create, bool NeedsHistory = false);

    /// <summary>What the registry's detectors are made from; the dependency detectors of one call share one lockfile cache.</summary>
    private sealed class Setup(PipeWatchConfig config, IProblemReporter? problems, IAdvisoryIndex? advisories, SecretRuleBook secretRules, bool history = true)
    {
        public PipeWatchConfig Config { get; } = config;

        public IProblemReporter? Problems { get; } = problems;

        public IAdvisoryIndex Advisories { get; } = advisories ?? new InMemoryAdvisoryIndex([]);

        public SecretRuleBook SecretRules { get; } = secretRules;

        public bool History { get; } = history;

        public LockfileCache Lockfiles { get; } = new(problems ?? new ProblemLog());

        public IndicatorIndex? Intel { get; init; }

        public KnownSecretIndex? KnownSecrets { get; init; }

        /// <summary>The secret verifier of this call's detectors when <c>secrets.verify</c> is on (<c>--verify</c>), else null.</summary>
        public SecretVerifier? Verifier { get; } = config.Secrets.Verify ? new SecretVerifier(config.Secrets.Verification, TimeProvider.System) : null;
    }
}
