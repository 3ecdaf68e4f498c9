using PipeWatch.Alerting;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Configuration;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors;
using PipeWatch.Diagnostics;
using PipeWatch.Sinks;
using PipeWatch.Store;

namespace PipeWatch.Engine;

/// <summary>The one place that assembles an <see cref="IngestEngine"/>: store, detectors, filters, sinks, clock, problem reporter.</summary>
public sealed class PipelineBuilder
{
    private readonly IStore _store;
    private readonly List<IFindingSink> _sinks = [];
    private readonly List<IFindingFilter> _filters = [];
    private IReadOnlyList<IDetector>? _detectors;
    private PipeWatchConfig _config = PipeWatchConfig.Default;
    private TimeProvider _time = TimeProvider.System;
    private IProblemReporter _problems = new ProblemLog();
    private EngineOptions _options = new();
    private IAdvisoryIndex? _advisories;

    public PipelineBuilder(IStore store) => _store = store;

    /// <summary>Configures the built-in detectors, the allowlist and incident correlation.</summary>
    public PipelineBuilder WithConfig(PipeWatchConfig config)
    {
        _config = config;
        return this;
    }

    /// <summary>Replaces the built-in detectors (tests, benchmarks).</summary>
    public PipelineBuilder WithDetectors(IReadOnlyList<IDetector> detectors)
    {
        _detectors = detectors;
        return this;
    }

    /// <summary>The advisories the built-in dependency detectors match ingested lockfiles against; the caller owns the index.</summary>
    public PipelineBuilder WithAdvisories(IAdvisoryIndex advisories)
    {
        _advisories = advisories;
        return this;
    }

    public PipelineBuilder AddFilter(IFindingFilter filter)
    {
        _filters.Add(filter);
        return this;
    }

    public PipelineBuilder AddSink(IFindingSink sink)
    {
        _sinks.Add(sink);
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

    public IngestEngine Build()
    {
        var filters = new List<IFindingFilter>(_filters);
        if (_config.Allow.Count > 0) filters.Insert(0, new AllowlistFilter(_config.Allow));
        return new IngestEngine(_store, _detectors ?? BuiltInDetectors.Create(_config, _problems, _advisories), filters, new IncidentCorrelator(_config.Incidents), [.. _sinks], _time, _problems, _options);
    }
}
