using PipeWatch.Findings;
using PipeWatch.Sinks.Batching;

namespace PipeWatch.Sinks.Routing;

/// <summary>The <c>alerts</c> section of pipewatch.yml: the named routes every mode (<c>ingest</c>, <c>scan</c>, <c>serve</c>) sends alerts through.</summary>
public sealed record AlertsOptions
{
    public static AlertsOptions None { get; } = new();

    public IReadOnlyList<AlertRoute> Routes { get; init; } = [];
}

/// <summary>One named route: a sink with its settings, the alerts it takes, how fast it may send, and its delivery limits.</summary>
/// <param name="Name">Unique; names the route in problems, the dead-letter table and <c>pipewatch alerts test</c>.</param>
/// <param name="Sink">The sink kind's id, as pipewatch.yml names it (<c>slack</c>).</param>
/// <param name="Settings">The sink's options record, as read; strings may still hold <c>${env:NAME}</c> references.</param>
public sealed record AlertRoute(string Name, string Sink, object Settings)
{
    public RouteFilter Filter { get; init; } = RouteFilter.All;

    public RatePolicy Rate { get; init; } = RatePolicy.Unlimited;

    /// <summary>One attempt's time limit.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per batch, the first included, before the batch is dead-lettered.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Makes the route's transport from its settings (given by the sink kind that read them).</summary>
    public Func<AlertRoute, RouteContext, IAlertTransport>? Transport { get; init; }

    /// <summary>How the sink kind batches by default (the timeout, attempts and a digest override parts of it).</summary>
    public BatchingSinkOptions Batching { get; init; } = new();
}

/// <summary>Which alerts a route takes; every given condition must hold.</summary>
/// <param name="Categories">Category patterns with <c>*</c> wildcards (<c>secrets.*</c>); empty takes every category.</param>
/// <param name="Repositories">Repository patterns with wildcards (<c>octo-org/*</c>); empty takes every repository.</param>
/// <param name="Rules">Rule id patterns with wildcards; empty takes every rule.</param>
/// <param name="IncidentOnly">Only alerts that joined an incident.</param>
public sealed record RouteFilter(
    IReadOnlyList<string> Categories,
    Severity MinimumSeverity,
    IReadOnlyList<string> Repositories,
    IReadOnlyList<string> Rules,
    bool IncidentOnly)
{
    public static RouteFilter All { get; } = new([], Severity.Info, [], [], false);

    public bool Matches(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var finding = alert.Finding;
        return finding.Severity >= MinimumSeverity
            && (!IncidentOnly || alert.Incident is not null)
            && Any(Categories, finding.Category)
            && Any(Rules, finding.Rule)
            && (Repositories.Count == 0 || (finding.Entity.Repository is { } repository && Any(Repositories, repository)));
    }

    private static bool Any(IReadOnlyList<string> patterns, string value) =>
        patterns.Count == 0 || patterns.Any(p => System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(p, value, ignoreCase: true));
}

/// <summary>How fast a route may send: a throttle (then one summary), a digest per window, grouping by incident.</summary>
/// <param name="ThrottleMax">At most this many alerts per <paramref name="ThrottleWindow"/>; the rest are counted in one summary alert when the window ends.</param>
/// <param name="Digest">One message per window, listing what came in it.</param>
/// <param name="GroupByIncident">Later findings of an incident this route already alerted on are held and sent together per <paramref name="GroupWindow"/>, as an update to it (PagerDuty: one incident by <c>dedup_key</c>).</param>
public sealed record RatePolicy(int? ThrottleMax, TimeSpan ThrottleWindow, TimeSpan? Digest, bool GroupByIncident, TimeSpan GroupWindow)
{
    public static RatePolicy Unlimited { get; } = new(null, TimeSpan.FromMinutes(1), null, false, TimeSpan.FromMinutes(5));
}
