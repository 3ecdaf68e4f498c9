using System.Collections.Immutable;
using PipeWatch.Alerting;
using PipeWatch.Alerting.Incidents;
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

    /// <summary>How findings are grouped into incidents.</summary>
    public IncidentOptions Incidents { get; init; } = new();

    /// <summary>How behavioural signals are weighed into alerts.</summary>
    public Alerting.Signals.SignalOptions Signals { get; init; } = new();

    /// <summary>Which Sigma rules run (the <c>sigma</c> section).</summary>
    public SigmaRulesOptions Sigma { get; init; } = new();

    /// <summary>
    /// The options of one detector (its <c>detectors.&lt;id&gt;</c> section): as pipewatch.yml set them, else the type's defaults.
    /// Options types live beside their detectors; this record knows none of them.
    /// </summary>
    public T Options<T>()
        where T : class, new() => DetectorOptions.TryGetValue(typeof(T), out var options) ? (T)options : Defaults<T>.Value;

    /// <summary>This config with <paramref name="options"/> for their detector.</summary>
    public PipeWatchConfig With<T>(T options)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(options);
        return this with { DetectorOptions = DetectorOptions.SetItem(typeof(T), options) };
    }

    private ImmutableDictionary<Type, object> DetectorOptions { get; init; } = ImmutableDictionary<Type, object>.Empty;

    /// <summary>What <c>pipewatch serve</c> follows, and its limits (the <c>serve</c> section).</summary>
    public ServeOptions Serve { get; init; } = new();

    /// <summary>The user's own secret rules (the <c>secrets</c> section).</summary>
    public Rules.Patterns.SecretsOptions Secrets { get; init; } = new();

    /// <summary>The threat-intel feeds <c>serve</c> reads and refreshes (the <c>intel</c> section).</summary>
    public Intel.IntelOptions Intel { get; init; } = new();

    /// <summary>Where alerts go: the routes of the <c>alerts</c> section.</summary>
    public Sinks.Routing.AlertsOptions Alerts { get; init; } = Sinks.Routing.AlertsOptions.None;

    /// <summary>Findings that match an entry are not reported.</summary>
    public IReadOnlyList<AllowEntry> Allow { get; init; } = [];

    private static class Defaults<T>
        where T : class, new()
    {
        public static readonly T Value = new();
    }
}
