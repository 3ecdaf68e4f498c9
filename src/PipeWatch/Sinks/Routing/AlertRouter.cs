using PipeWatch.Findings;
using PipeWatch.Sinks.Batching;

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

/// <summary>One route as a sink: filter → grouping → throttle → batching sink over the transport.</summary>
public sealed class RouteSink : IFindingSink
{
    private readonly IFindingSink _head;
    private readonly IAlertTransport _transport;
    private readonly RouteContext _context;
    private readonly BatchingSinkOptions _options;

    private RouteSink(AlertRoute route, IFindingSink head, BatchingSink batching, IAlertTransport transport, RouteContext context, BatchingSinkOptions options)
    {
        Route = route;
        _head = head;
        Batching = batching;
        _transport = transport;
        _context = context;
        _options = options;
    }

    public string Name => Route.Name;

    public AlertRoute Route { get; }

    /// <summary>The batching sink at the end of the chain, with its counts.</summary>
    public BatchingSink Batching { get; }

    internal static RouteSink Create(AlertRoute route, RouteContext context)
    {
        var create = route.Transport ?? throw new RouteException($"alerts route '{route.Name}': sink '{route.Sink}' has no transport");
        var transport = create(route, context);
        var options = route.Batching with { AttemptTimeout = route.Timeout, MaxAttempts = route.MaxAttempts };
        if (route.Rate.Digest is { } digest) options = options with { FlushInterval = digest, MaxBatchSize = Math.Max(options.MaxBatchSize, 1_000) };
        var batching = new BatchingSink(transport, options, context.Time, context.Problems, route.Name, context.Log);
        IFindingSink head = batching;
        if (route.Rate.ThrottleMax is { } max) head = new ThrottlingSink(head, route.Name, max, route.Rate.ThrottleWindow, context.Time);
        if (route.Rate.GroupByIncident) head = new IncidentGroupingSink(head, route.Rate.GroupWindow, context.Time);
        head = new FilteringSink(head, route.Filter);
        return new RouteSink(route, head, batching, transport, context, options);
    }

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken) => _head.EmitAsync(batch, cancellationToken);

    /// <summary>Sends what is queued, then closes the transport's connection (a syslog TCP or TLS stream); a later send opens it again.</summary>
    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
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
        var sink = new BatchingSink(_transport, _options with { FlushInterval = TimeSpan.Zero }, _context.Time, _context.Problems, Route.Name, _context.Log);
        await sink.EmitAsync(alerts, cancellationToken).ConfigureAwait(false);
        await sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return (sink.Delivered, sink.Failed + sink.Dropped);
    }

    /// <summary>Resolves <paramref name="alert"/> on a service that keeps open incidents; null when this route's sink cannot.</summary>
    public async Task<DeliveryResult?> ResolveAsync(Alert alert, CancellationToken cancellationToken) =>
        _transport is IResolvingTransport resolving ? await resolving.ResolveAsync(alert, cancellationToken).ConfigureAwait(false) : null;
}

/// <summary>A transport whose service keeps an incident open until told it is resolved (PagerDuty).</summary>
internal interface IResolvingTransport
{
    ValueTask<DeliveryResult> ResolveAsync(Alert alert, CancellationToken cancellationToken);
}
