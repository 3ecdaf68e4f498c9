using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Server.Api;
using PipeWatch.Server.Dashboard;
using PipeWatch.Server.Following;
using PipeWatch.Server.Hooks;
using PipeWatch.Server.Intake;
using PipeWatch.Sinks;
using PipeWatch.Sources.Intake;
using PipeWatch.Store;

namespace PipeWatch.Server;

/// <summary>What <c>pipewatch serve</c> runs with.</summary>
public sealed record ServerSettings
{
    /// <summary>The store: a SQLite file (its intake queue goes beside it) or a PostgreSQL database (see <see cref="DataFolder"/>).</summary>
    public required string StorePath { get; init; }

    /// <summary>
    /// With a PostgreSQL store: the local folder of serve's own files (the intake queue, repository mirrors), which a SQLite store
    /// keeps beside its file (<c>serve.data-folder</c>; the CLI defaults it to <c>pipewatch-serve</c> in the working directory).
    /// </summary>
    public string? DataFolder { get; init; }

    /// <summary>Where to listen (ASP.NET Core's <c>--urls</c> convention; port 0 picks a free port).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    public PipeWatchConfig Config { get; init; } = PipeWatchConfig.Default;

    /// <summary>Reads an environment variable (the <c>PIPEWATCH_*</c> secrets).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Where the start-up lines go (the address, a generated API token, once).</summary>
    public TextWriter Out { get; init; } = TextWriter.Null;

    public IProblemReporter Problems { get; init; } = new ProblemLog();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The engine's batches: committed as soon as the intake drains (so a lone webhook's finding is committed within milliseconds),
    /// and under load at 50 ms of age or 20,000 events at most (so each commit carries what came during the one before).
    /// </summary>
    public EngineOptions Engine { get; init; } = new() { MaxBatchAge = TimeSpan.FromMilliseconds(50), BatchSize = 20_000, CommitWhenIdle = true };

    /// <summary>The alert routes (added to the engine by <see cref="Configure"/>): their dead letters in the API, and a finding closed there resolved on them.</summary>
    public Sinks.Routing.AlertRouter? Alerts { get; init; }

    /// <summary>Adds to the engine's composition (sinks, filters) before it is built.</summary>
    public Action<PipelineBuilder>? Configure { get; init; }

    /// <summary>Told the delivery id of each payload once its events are committed (the load benchmark's latency).</summary>
    internal Action<string?>? OnCommitted { get; init; }

    /// <summary>Told the delivery id of each payload once it is read from the queue and handed to the engine (the benchmark's breakdown).</summary>
    internal Action<string?>? OnRead { get; init; }

    /// <summary>With <c>--queue</c>: webhooks go to this JetStream (workers process them) instead of the SQLite intake queue.</summary>
    internal PipeWatch.Server.Queue.QueueAddress? Queue { get; init; }

    /// <summary>How long a stop waits for acknowledged payloads to be processed before the engine is stopped (they are kept either way).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// The watch mode: Kestrel in front of the intake queue, one long-running <see cref="IngestEngine"/> behind it (built by
/// <see cref="PipelineBuilder"/>), the API over the store, and the followers that fetch repositories and job logs.
/// </summary>
public sealed class PipeWatchServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IStore _store;
    private readonly IDisposable? _advisories;
    private readonly Triage _triage;
    private readonly IntakeQueue _queue;
    private readonly FollowUps _followUps;
    private readonly CancellationTokenSource _engineStop = new();
    private readonly TimeSpan _drainTimeout;
    private Task<IngestSummary>? _engine;
    private RecentEvents? _recent;
    private Queue.JetStreamIntake? _jetStream;
    private int _stopped;

    private PipeWatchServer(WebApplication app, IStore store, IDisposable? advisories, Triage triage, IntakeQueue queue, FollowUps followUps, TimeSpan drainTimeout)
    {
        _app = app;
        _store = store;
        _advisories = advisories;
        _triage = triage;
        _queue = queue;
        _followUps = followUps;
        _drainTimeout = drainTimeout;
    }

    /// <summary>The addresses Kestrel listens on (with the port picked when 0 was asked for).</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>Payloads acknowledged and not yet committed.</summary>
    public long Backlog => _queue.Backlog;

    /// <summary>The most recently stored findings, newest first.</summary>
    public IReadOnlyList<Findings.Finding> RecentFindings(int limit)
    {
        using var reader = _store.OpenReader();
        return reader.PageFindings(new FindingQuery(), null, limit).Items;
    }

    /// <summary>Opens the store and the intake queue (queueing again what a crash left), starts the engine and then Kestrel.</summary>
    /// <exception cref="StoreException">The store cannot be opened.</exception>
    public static async Task<PipeWatchServer> StartAsync(ServerSettings settings, CancellationToken cancellationToken = default)
    {
        var store = StoreFactory.Open(settings.StorePath);
        var local = ServeOnPostgres.LocalFiles(store, settings);
        // Both stores implement the seam; a store that did not would be refused here by name, never by a cast.
        if (store is not ISharedTables tables)
        {
            store.Dispose();
            throw new StoreException($"{settings.StorePath}: serve cannot keep its triage and events in this store");
        }

        var serve = settings.Config.Serve;
        var env = settings.Environment;
        var triage = new Triage(tables, settings.Time);
        var (tokenHash, generated) = ApiEndpoints.ResolveToken(NonEmpty(env("PIPEWATCH_API_TOKEN")), triage);
        var secrets = new WebhookSecrets(
            [.. serve.GitHubWebhookSecrets, .. NonEmpty(env("PIPEWATCH_GITHUB_WEBHOOK_SECRET")) is { } s ? [s] : Array.Empty<string>()],
            NonEmpty(env("PIPEWATCH_GITLAB_WEBHOOK_TOKEN")) ?? serve.GitLabWebhookToken,
            NonEmpty(env("PIPEWATCH_INGEST_TOKEN")) ?? serve.IngestToken);
        var queue = IntakeQueue.Open(local.IntakePath, serve.Backlog, Math.Max(serve.MaxBodyBytes, 256L << 20));
        // The one choice of intake: webhooks to JetStream for the workers (--queue), or to the SQLite queue beside the store.
        Queue.JetStreamIntake? jetStream = null;
        try
        {
            if (settings.Queue is { } address) jetStream = await Queue.JetStreamIntake.StartAsync(address, serve.QueuePartitions, settings.Problems, TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            await queue.DisposeAsync();
            triage.Dispose();
            store.Dispose();
            throw;
        }

        IWebhookIntake intake = jetStream is null ? queue : jetStream;
        var metrics = new ServerMetrics();
        var recent = new RecentEvents(tables);
        var live = new LiveFindings();
        var problems = settings.Problems;
        var followUps = new FollowUps(settings, local, queue, metrics, NonEmpty(env("PIPEWATCH_GITHUB_TOKEN")), NonEmpty(env("PIPEWATCH_GITLAB_TOKEN")));
        var source = new IntakeSource(queue.Ready, queue.Complete, PayloadReader.Default, metrics, (row, events) =>
        {
            settings.OnRead?.Invoke(row.Item.Delivery);
            recent.Add(events);
            followUps.Observe(row, events);
        }, settings.OnCommitted);

        // The one composition root: detectors, allowlist, incidents and sinks as for ingest, plus the API's suppressions.
        // The index reads through a connection of its own and reopens when 'vulndb import|update' changed the advisories.
        var advisories = ServeOnPostgres.AdvisoryIndex(store, settings.Time);
        // Logs, telemetry and artifacts are matched against the indicators 'intel import' put in the store, as ingest does; followed
        // as the workers follow them, so an import by another process reaches the engine within seconds.
        var following = ServeOnPostgres.Indicators(store, settings.Time, problems);
        var intel = following?.Index;
        var builder = new PipelineBuilder(store).WithConfig(settings.Config).WithAdvisories(advisories).WithIntel(intel).WithTime(settings.Time).WithProblems(problems)
            .WithOptions(settings.Engine).WithInventory().AddFilter(triage).AddSink(new MetricsSink(metrics)).AddSink(live);
        settings.Configure?.Invoke(builder);
        var engine = builder.Build();

        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        web.Logging.ClearProviders();
        web.WebHost.UseUrls(settings.Urls);
        web.WebHost.ConfigureKestrel(k =>
        {
            // The hooks read the body themselves, up to the limit, and answer 413 with a reason (and close the connection).
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
        });
        var app = web.Build();
        var server = new PipeWatchServer(app, store, advisories as IDisposable, triage, queue, followUps, settings.DrainTimeout) { _recent = recent, _jetStream = jetStream };

        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                // A defect: reported with its type and message (never a request's body), answered 500 when an answer can still be sent.
                problems.Report(new Problem($"{context.Request.Method} {context.Request.Path}", $"internal error: {ex.GetType().Name}: {ex.Message}"));
                if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        });
        new DashboardEndpoints(new DashboardSessions(tokenHash, settings.Time), live, recent, DashboardEndpoints.Forges(serve.Repositories)).Map(app);
        var started = settings.Time.GetUtcNow();
        new HookEndpoints(intake, secrets, serve.MaxBodyBytes, metrics, problems, settings.Time).Map(app);
        var api = new ApiEndpoints(store, tables, triage, tokenHash, recent, () => new
        {
            status = "ok",
            started,
            backlog = queue.Backlog,
            following = followUps.Running,
            queue = jetStream is null ? null : new { connected = jetStream.Connected, published = jetStream.Published },
            sinks = engine.Sinks.Select(s => new { name = s.Name, delivered = s.Delivered, failed = s.Failed, dropped = s.Dropped }),
        }, settings.Time, settings.Config).Map(app);
        new AlertEndpoints(settings.Alerts, store, tables, triage, problems).Map(app, api);
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            metrics.Backlog.Set(queue.Backlog);
            foreach (var sink in engine.Sinks)
            {
                metrics.SinkFailures.WithLabels(sink.Name).Set(sink.Failed);
                metrics.SinkDrops.WithLabels(sink.Name).Set(sink.Dropped);
            }
        });
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });

        server._engine = Task.Run(() => engine.RunAsync([source], source, server._engineStop.Token), CancellationToken.None);
        await app.StartAsync(cancellationToken);
        server.Addresses = [.. app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];
        try
        {
            foreach (var address in server.Addresses) await settings.Out.WriteLineAsync($"pipewatch serve: listening on {address}");
            if (queue.Recovered > 0) await settings.Out.WriteLineAsync($"pipewatch serve: {queue.Recovered} acknowledged payloads from before were queued again");
            if (generated is not null)
            {
                await settings.Out.WriteLineAsync($"pipewatch serve: API token (shown once; only its hash is stored): {generated}");
            }
        }
        catch
        {
            // Started but cannot say so (its output is gone): stopped again, so nothing listens that nobody was told of.
            await server.DisposeAsync();
            throw;
        }

        followUps.Start();
        VulnDbRefresh.Start(settings, ServeOnPostgres.AdvisoryStore(local), local.Folder, problems, app.Lifetime.ApplicationStopping);
        IntelRefresh.Start(settings, ServeOnPostgres.IntelStore(local), intel, problems, app.Lifetime.ApplicationStopping);
        CiServerRefresh.Start(settings, ServeOnPostgres.InventoryStore(local), problems, app.Lifetime.ApplicationStopping);
        CiMetricsScrapes.Start(settings, intake, metrics, problems, app.Lifetime.ApplicationStopping);
        following?.Start(app.Lifetime.ApplicationStopping);

        return server;
    }

    /// <summary>Stops taking requests, waits (up to the drain timeout) for acknowledged payloads to be processed, then stops the engine, which commits what it processed.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _app.StopAsync();
        await _followUps.StopAsync();
        var deadline = Task.Delay(_drainTimeout);
        while (_queue.Backlog > 0 && !deadline.IsCompleted && _engine is { IsCompleted: false }) await Task.Delay(20);
        await _engineStop.CancelAsync();
        if (_engine is not null) await _engine;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        await _queue.DisposeAsync();
        if (_jetStream is not null) await _jetStream.DisposeAsync();
        if (_recent is not null) await _recent.DisposeAsync();
        _followUps.Dispose();
        _advisories?.Dispose();
        _triage.Dispose();
        _store.Dispose();
        _engineStop.Dispose();
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>Counts committed findings for <c>/metrics</c> (a worker's too).</summary>
    internal sealed class MetricsSink(ServerMetrics metrics) : IFindingSink
    {
        public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
        {
            metrics.FindingsOut.Inc(batch.Count);
            return ValueTask.FromResult(SinkResult.Ok);
        }

        public ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SinkResult.Ok);
    }
}
