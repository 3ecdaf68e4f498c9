using PipeWatch.Findings;
using PipeWatch.Sinks.Batching;
using PipeWatch.Store;

namespace PipeWatch.Sinks.Routing;

/// <summary>The routes of pipewatch.yml made into sinks: each a filter, its rate policy and a batching sink over the service's transport.</summary>
/// <remarks>
/// The host adds each of <see cref="Routes"/> to the pipeline with <c>PipelineBuilder.AddSink(route, SinkQueueOptions.DropWhenFull)</c>,
/// so <c>ingest</c>, <c>scan</c> and <c>serve</c> route alike. <see cref="ResolveAsync"/> is for <c>serve</c>: when a finding is closed,
/// the routes whose service keeps open incidents (PagerDuty) resolve it.
/// </remarks>
public sealed class AlertRouter
{
    private AlertRouter(IReadOnlyList<RouteSink> routes) => Routes = routes;

    public IReadOnlyList<RouteSink> Routes { get; }

    /// <summary>Builds every route; secrets are resolved from the context's environment now, so a missing one fails before any input is read.</summary>
    /// <exception cref="RouteException">A route's settings cannot be resolved.</exception>
    public static AlertRouter Create(AlertsOptions options, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        return new AlertRouter([.. options.Routes.Select(r => RouteSink.Create(r, context))]);
    }

    /// <summary>
    /// Sends again, in the background, what each route had accepted and nobody settled or holds (a crash, a kill, a queue left
    /// behind, another process sharing the store that died): the store's alert outbox, claimed entry by entry so that processes
    /// sharing the store send each alert once. Call it once, before the engine runs; it goes on taking over expired claims until
    /// each route completes, and each route's end waits for it.
    /// </summary>
    /// <returns>The alerts waiting now that no live process holds, per route; empty without a store.</returns>
    public IReadOnlyDictionary<string, long> ResumeOutbox()
    {
        if (Routes.Count == 0 || Routes[0].Outbox is not { } outbox) return new Dictionary<string, long>();
        var waiting = outbox.QueuedCounts();
        var resumed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var route in Routes)
        {
            if (waiting.TryGetValue(route.Name, out var count)) resumed[route.Name] = count;
            route.Resume();
        }

        return resumed;
    }

    /// <summary>The route named <paramref name="name"/>, or null.</summary>
    public RouteSink? Find(string name) => Routes.FirstOrDefault(r => r.Name == name);

    /// <summary>Tells every route that takes <paramref name="alert"/> and can resolve (PagerDuty) that its finding was closed; the number of routes that resolved it.</summary>
    public async Task<int> ResolveAsync(Alert alert, CancellationToken cancellationToken)
    {
        var resolved = 0;
        foreach (var route in Routes.Where(r => r.Route.Filter.Matches(alert)))
        {
            if (await route.ResolveAsync(alert, cancellationToken).ConfigureAwait(false) is { Outcome: DeliveryOutcome.Delivered }) resolved++;
        }

        return resolved;
    }

    /// <summary>
    /// Sends <paramref name="letters"/> again through their routes as configured now (<c>pipewatch alerts retry</c>, <c>POST /api/alerts/retry</c>):
    /// straight to each service with the route's batching, retries and timeout; each outcome is recorded in the delivery log again.
    /// </summary>
    /// <returns>Per route: the letters, how many were delivered and how many failed again; a route no longer configured keeps its letters.</returns>
    public async Task<IReadOnlyList<RetryOutcome>> RetryAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letters);
        var outcomes = new List<RetryOutcome>();
        foreach (var group in letters.GroupBy(l => l.Route, StringComparer.Ordinal))
        {
            var count = group.Count();
            if (Find(group.Key) is not { } route)
            {
                outcomes.Add(new RetryOutcome(group.Key, count, 0, count, RouteMissing: true));
                continue;
            }

            var alerts = group.Select(l => new Alert(l.Alert.Finding, l.Alert.IncidentId is { } id ? new AlertIncident(id, l.Alert.IncidentIsNew) : null)).ToList();
            var (delivered, failed) = await route.ReplayAsync(alerts, cancellationToken).ConfigureAwait(false);
            outcomes.Add(new RetryOutcome(group.Key, count, delivered, failed, RouteMissing: false));
        }

        return outcomes;
    }

    /// <summary>A sample alert for <c>pipewatch alerts test</c>: plainly marked as a test, with every field a sink renders.</summary>
    public static Alert SampleAlert(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        return new Alert(new Finding
        {
            Rule = "pipewatch.test-alert",
            Category = Categories.RuleMatch,
            Severity = Severity.Info,
            Title = "PipeWatch test alert: this route works",
            Explanation = "Sent by 'pipewatch alerts test' to check the route's settings; nothing was detected.",
            Entity = new Entity("example-org/example-repo", "CI", "build", Actor: "pipewatch"),
            Location = new Location("1", ".github/workflows/ci.yml", 1),
            Timestamp = now,
            DetectedAt = now,
            Fingerprint = Fingerprint.Of("pipewatch.test-alert", now.UtcDateTime.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        });
    }
}

/// <summary>One route as a sink: filter → grouping → throttle → batching sink over the transport, with the store's outbox beside it.</summary>
/// <remarks>
/// With a store, the route writes each alert its filter takes into the outbox in the same transaction as the finding
/// (<see cref="IDurableSink.Stage"/>); the batching sink's outcome (delivered, or a dead letter) takes it out again, and a throttle's
/// summary settles what it held back. What is left after a crash is sent again by <see cref="AlertRouter.ResumeOutbox"/>.
/// </remarks>
public sealed partial class RouteSink : IFindingSink, IDurableSink
{
    private const int ResumePage = 500;
    private readonly IFindingSink _head;
    private readonly IFindingSink _afterFilter;
    private readonly IAlertTransport _transport;
    private readonly RouteContext _context;
    private readonly BatchingSinkOptions _options;
    private readonly Lock _claimGate = new();
    private CancellationTokenSource? _stopClaiming;
    private Task? _resume;
    private volatile bool _claiming;

    private RouteSink(AlertRoute route, IFindingSink head, IFindingSink afterFilter, BatchingSink batching, IAlertTransport transport, RouteContext context, BatchingSinkOptions options)
    {
        Route = route;
        _head = head;
        _afterFilter = afterFilter;
        Batching = batching;
        _transport = transport;
        _context = context;
        _options = options;
    }

    public string Name => Route.Name;

    public AlertRoute Route { get; }

    /// <summary>The batching sink at the end of the chain, with its counts.</summary>
    public BatchingSink Batching { get; }

    /// <summary>Alerts sent again from the outbox at this start.</summary>
    public long Resumed { get; private set; }

    /// <summary>The store's outbox (the delivery log's), or null without a store.</summary>
    internal IAlertOutbox? Outbox => _context.Log as IAlertOutbox;

    internal static RouteSink Create(AlertRoute route, RouteContext context)
    {
        var create = route.Transport ?? throw new RouteException($"alerts route '{route.Name}': sink '{route.Sink}' has no transport");
        var transport = create(route, context);
        var options = route.Batching with { AttemptTimeout = route.Timeout, MaxAttempts = route.MaxAttempts };
        if (route.Rate.Digest is { } digest) options = options with { FlushInterval = digest, MaxBatchSize = Math.Max(options.MaxBatchSize, 1_000) };
        var batching = new BatchingSink(transport, options, context.Time, context.Problems, route.Name, context.Log);
        var outbox = context.Log as IAlertOutbox;
        IFindingSink head = batching;
        if (route.Rate.ThrottleMax is { } max)
        {
            // What the throttle holds back is accounted for by its summary: it leaves the outbox.
            Action<IReadOnlyList<Alert>>? held = outbox is null ? null : alerts => Settle(outbox, route.Name, alerts, context);
            head = new ThrottlingSink(head, route.Name, max, route.Rate.ThrottleWindow, context.Time, held);
        }

        if (route.Rate.GroupByIncident) head = new IncidentGroupingSink(head, route.Rate.GroupWindow, context.Time);
        var afterFilter = head;
        head = new FilteringSink(head, route.Filter);
        return new RouteSink(route, head, afterFilter, batching, transport, context, options);
    }

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken) => _head.EmitAsync(batch, cancellationToken);

    /// <summary>Sends what is queued, then closes the transport's connection (a syslog TCP or TLS stream); a later send opens it again.</summary>
    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        await StopClaimLoopAsync(cancellationToken).ConfigureAwait(false);
        var result = await _head.CompleteAsync(cancellationToken).ConfigureAwait(false);
        if (_transport is IAsyncDisposable closable) await closable.DisposeAsync().ConfigureAwait(false);
        return result;
    }

    /// <summary>Sends <paramref name="batch"/> once, straight to the service (no filter, rate policy or retry), within the route's timeout: <c>pipewatch alerts test</c>.</summary>
    public async Task<DeliveryResult> SendOnceAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Route.Timeout, _context.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _transport.SendAsync(batch, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"no answer within {Route.Timeout.TotalSeconds:0.#} s");
        }
        catch (IOException ex)
        {
            return DeliveryResult.Retry(ex.Message);
        }
    }

    /// <summary>
    /// Sends dead letters again (<c>pipewatch alerts retry</c>): straight to the service with the route's batching, retries and timeout,
    /// but no filter or rate policy (they passed both once). Each outcome is recorded in the delivery log again.
    /// </summary>
    /// <returns>The alerts delivered and those that failed again.</returns>
    public async Task<(long Delivered, long Failed)> ReplayAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        // Its queue holds every letter: a retry never drops what it was asked to send.
        var sink = new BatchingSink(_transport, _options with { FlushInterval = TimeSpan.Zero, QueueLimit = Math.Max(_options.QueueLimit, alerts.Count) }, _context.Time, _context.Problems, Route.Name, _context.Log);
        await sink.EmitAsync(alerts, cancellationToken).ConfigureAwait(false);
        await sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return (sink.Delivered, sink.Failed + sink.Dropped);
    }

    /// <summary>Resolves <paramref name="alert"/> on a service that keeps open incidents; null when this route's sink cannot.</summary>
    public async Task<DeliveryResult?> ResolveAsync(Alert alert, CancellationToken cancellationToken) =>
        _transport is IResolvingTransport resolving ? await resolving.ResolveAsync(alert, cancellationToken).ConfigureAwait(false) : null;
}

/// <summary>What a retry of one route's dead letters came to.</summary>
/// <param name="RouteMissing">The route is no longer in the config: its letters are kept.</param>
public sealed record RetryOutcome(string Route, int Letters, long Delivered, long Failed, bool RouteMissing);

/// <summary>A transport whose service keeps an incident open until told it is resolved (PagerDuty).</summary>
internal interface IResolvingTransport
{
    ValueTask<DeliveryResult> ResolveAsync(Alert alert, CancellationToken cancellationToken);
}
