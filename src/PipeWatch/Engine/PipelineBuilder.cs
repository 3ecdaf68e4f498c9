using PipeWatch.Alerting;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Intel;
using PipeWatch.Rules.Patterns;
using PipeWatch.Sinks;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>
/// The one place that assembles the engine: store, detectors, filters, sinks (each behind its own queue), clock and problem
/// reporter, for the event front (<see cref="Build"/>: <c>ingest</c>, <c>serve</c>) and the commit front (<see cref="BuildScan"/>:
/// <c>scan</c>). Both share the same back half: filters → store → incidents → sinks.
/// </summary>
public sealed class PipelineBuilder
{
    private readonly IStore? _store;
    private readonly List<(IFindingSink Sink, SinkQueueOptions Queue)> _sinks = [];
    private readonly List<IFindingFilter> _filters = [];
    private IReadOnlyList<IDetector>? _detectors;
    private IReadOnlyList<ICommitDetector>? _commitDetectors;
    private PipeWatchConfig _config = PipeWatchConfig.Default;
    private TimeProvider _time = TimeProvider.System;
    private IProblemReporter _problems = new ProblemLog();
    private EngineOptions _options = new();
    private ScanOptions _scanOptions = new();
    private IAdvisoryIndex? _advisories;
    private IndicatorIndex? _intel;
    private SecretRuleBook _secretRules = SecretRuleBook.BuiltIn;
    private bool _inventory;

    /// <param name="store">Where baselines, findings and incidents are kept; required for <see cref="Build"/>, optional for a scan.</param>
    public PipelineBuilder(IStore? store = null) => _store = store;

    /// <summary>Configures the built-in detectors, the allowlist and incident correlation.</summary>
    public PipelineBuilder WithConfig(PipeWatchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        return this;
    }

    /// <summary>Replaces the built-in event detectors (tests, benchmarks).</summary>
    public PipelineBuilder WithDetectors(IReadOnlyList<IDetector> detectors)
    {
        _detectors = detectors;
        return this;
    }

    /// <summary>Replaces the built-in commit detectors of a scan (tests, benchmarks).</summary>
    public PipelineBuilder WithCommitDetectors(IReadOnlyList<ICommitDetector> detectors)
    {
        _commitDetectors = detectors;
        return this;
    }

    /// <summary>The advisories the dependency detectors match against; the caller owns the index.</summary>
    public PipelineBuilder WithAdvisories(IAdvisoryIndex? advisories)
    {
        _advisories = advisories;
        return this;
    }

    /// <summary>The threat-intel indicators the intel detectors match against (the built-in exfiltration-service list alone when null).</summary>
    public PipelineBuilder WithIntel(IndicatorIndex? intel)
    {
        _intel = intel;
        return this;
    }

    /// <summary>Keeps the store's inventory (the packages each repository holds) current from the dependency files the engine reads; needs a store.</summary>
    public PipelineBuilder WithInventory(bool record = true)
    {
        _inventory = record;
        return this;
    }

    /// <summary>The secret rules of a scan (built-in unless given, e.g. from <c>--rules</c>).</summary>
    public PipelineBuilder WithSecretRules(SecretRuleBook rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _secretRules = rules;
        return this;
    }

    /// <summary>Adds a filter after the config's allowlist (e.g. a scan's accepted-findings baseline).</summary>
    public PipelineBuilder AddFilter(IFindingFilter filter)
    {
        _filters.Add(filter);
        return this;
    }

    /// <summary>Adds a sink behind its own queue: lossless by default (outputs); <see cref="SinkQueueOptions.DropWhenFull"/> for remote routes.</summary>
    public PipelineBuilder AddSink(IFindingSink sink, SinkQueueOptions? queue = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sinks.Add((sink, queue ?? SinkQueueOptions.Lossless));
        return this;
    }

    public PipelineBuilder WithTime(TimeProvider time)
    {
        _time = time;
        return this;
    }

    public PipelineBuilder WithProblems(IProblemReporter problems)
    {
        _problems = problems;
        return this;
    }

    public PipelineBuilder WithOptions(EngineOptions options)
    {
        _options = options;
        return this;
    }

    public PipelineBuilder WithScanOptions(ScanOptions options)
    {
        _scanOptions = options;
        return this;
    }

    /// <summary>The event front over the store: ingest and serve.</summary>
    public IngestEngine Build()
    {
        var store = _store ?? throw new InvalidOperationException("The event front needs a store.");
        // The secrets learned into this store ('secrets learn') are searched for in every job log and telemetry event.
        var detectors = _detectors ?? BuiltInDetectors.Create(_config, _problems, _advisories, _intel, store as IKnownSecretStore);
        var inventory = _inventory ? new InventoryRecorder() : null;
        if (inventory is not null) detectors = [.. detectors, inventory];
        var sinks = new SinkFanOut(_sinks, _time, _problems);
        return new IngestEngine(store, detectors, BackHalf(sinks, reportKnown: false, _config.Signals, inventory, seedFrom: store), sinks, _time, _problems, _options);
    }

    /// <summary>The commit front: a scan of a history (<paramref name="commits"/>) or a plain folder (no commit detectors of authors, times, places or sizes).</summary>
    public ScanEngine BuildScan(bool commits = true)
    {
        var detectors = _commitDetectors ?? BuiltInDetectors.ForScan(_config, _secretRules, _advisories, _problems, commits, _intel);
        var inventory = _inventory && _store is not null ? new InventoryRecorder() : null;
        if (inventory is not null) detectors = [.. detectors, inventory];
        var sinks = new SinkFanOut(_sinks, _time, _problems);
        return new ScanEngine(detectors, BackHalf(sinks, reportKnown: true, _scanOptions.Signals, inventory), sinks, _store, _time, _problems, _scanOptions);
    }

    // Signals are weighed in the back half of every front: scan (per commit) and ingest/serve (per event), per actor across both.
    // seedFrom: the store whose recorded signals of the window the scorer starts from (ingest and serve, so a restart forgets none).
    private FindingStage BackHalf(SinkFanOut sinks, bool reportKnown, Alerting.Signals.SignalOptions signals, InventoryRecorder? inventory = null, IStore? seedFrom = null)
    {
        var risk = new Alerting.Signals.RiskScorer(signals);
        if (seedFrom is not null && signals.Enabled)
        {
            risk.Seed(seedFrom.QueryFindings(new FindingQuery(Since: _time.GetUtcNow() - signals.Window, Limit: Alerting.Signals.RiskScorer.MaxSeeded)));
        }

        var filters = new List<IFindingFilter>(_filters);
        if (_config.Allow.Count > 0) filters.Insert(0, new AllowlistFilter(_config.Allow));
        return new FindingStage(
            filters,
            new IncidentCorrelator(_config.Incidents),
            sinks,
            reportKnown,
            risk,
            // The inventory is written in each batch before it commits, as the durable sinks' outboxes are.
            [.. _sinks.Select(s => s.Sink).OfType<IDurableSink>(), .. inventory is null ? [] : new IDurableSink[] { new InventoryStaging(inventory) }],
            UserRuleRedaction());
    }

    // Findings are redacted by the built-in secret rules where detectors report them; the user's own rules (a gitleaks config) redact too.
    private Func<Finding, Finding>? UserRuleRedaction()
    {
        var own = _secretRules.Rules.Where(r => r.Keywords.Count > 0 && !SecretRuleBook.BuiltIn.Rules.Contains(r)).ToList();
        if (own.Count == 0) return null;
        var redactor = new SecretRedactor(new SecretScanner(own));
        return redactor.Redact;
    }
}
