using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using PipeWatch.Configuration;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Server.Api;
using PipeWatch.Server.Intake;
using PipeWatch.Sources.Intake;
using PipeWatch.Store;

namespace PipeWatch.Server.Queue;

/// <summary>What <c>pipewatch worker</c> runs with.</summary>
internal sealed record WorkerSettings
{
    /// <summary>The store (a SQLite path or URI, or another store <see cref="StoreFactory"/> opens), shared by every worker.</summary>
    public required string Store { get; init; }

    public required QueueAddress Queue { get; init; }

    /// <summary>This worker's name in the leases (unique per worker; a host name and process id by default).</summary>
    public string Name { get; init; } = $"{System.Environment.MachineName}-{System.Environment.ProcessId}";

    /// <summary>Where <c>/healthz</c> and <c>/metrics</c> listen.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:9464";

    public PipeWatchConfig Config { get; init; } = PipeWatchConfig.Default;

    public TextWriter Out { get; init; } = TextWriter.Null;

    public IProblemReporter Problems { get; init; } = new ProblemLog();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The engine's batches, as in <c>serve</c>.</summary>
    public EngineOptions Engine { get; init; } = new() { MaxBatchAge = TimeSpan.FromMilliseconds(50), BatchSize = 20_000, CommitWhenIdle = true };

    /// <summary>Adds to the engine's composition (the alert routes) before it is built.</summary>
    public Action<PipelineBuilder>? Configure { get; init; }

    /// <summary>How long a stop waits for the messages taken to be committed and acknowledged.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the first connection to NATS may take (NATS may start after the workers).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// <c>pipewatch worker</c>: takes partitions of the JetStream intake by lease, runs their payloads through the same engine as
/// <c>serve</c> (<see cref="PipelineBuilder"/>), acknowledges each message once its events are committed to the store, and
/// serves <c>/healthz</c> and <c>/metrics</c>.
/// </summary>
internal sealed class QueueWorker : IAsyncDisposable
{
    /// <summary>How often a worker reads the suppressions again: one made through serve's API applies to its findings within this.</summary>
    internal static readonly TimeSpan SuppressionRefresh = TimeSpan.FromSeconds(2);

    private readonly List<IDisposable> _owned = [];
    private readonly CancellationTokenSource _engineStop = new();
    private readonly CancellationTokenSource _leaseStop = new();
    private NatsConnection? _connection;
    private JetStreamFeed? _feed;
    private PartitionLeases? _leases;
    private WebApplication? _app;
    private Task? _engine;
    private Task? _leaseLoop;
    private TimeSpan _drain;
    private int _stopped;

    private QueueWorker()
    {
    }

    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>The partitions this worker holds.</summary>
    public IReadOnlyCollection<int> Partitions => _feed?.Reading ?? [];

    /// <exception cref="StoreException">The store cannot be opened.</exception>
    /// <exception cref="QueueException">NATS or JetStream cannot be reached or set up.</exception>
    public static async Task<QueueWorker> StartAsync(WorkerSettings settings, CancellationToken cancellationToken = default)
    {
        var worker = new QueueWorker { _drain = settings.DrainTimeout };
        try
        {
            await worker.StartCoreAsync(settings, cancellationToken).ConfigureAwait(false);
            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartCoreAsync(WorkerSettings settings, CancellationToken cancellationToken)
    {
        var serve = settings.Config.Serve;
        var partitions = serve.QueuePartitions;
        var name = PartitionLeases.WorkerId(settings.Name);
        var store = StoreFactory.Open(settings.Store);
        _owned.Add(store);

        _connection = await JetStreamConnection.OpenAsync(settings.Queue, $"pipewatch-worker-{name}", settings.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        var js = new NatsJSContext(_connection);
        INatsKVStore? bucket = null;
        await JetStreamConnection.RetryAsync(settings.Queue, "creating the stream, its consumers and the lease bucket", async ct =>
        {
            await IntakeStream.EnsureAsync(js, ct).ConfigureAwait(false);
            for (var p = 0; p < partitions; p++)
            {
                await js.CreateOrUpdateConsumerAsync(IntakeStream.Name, new ConsumerConfig(IntakeStream.Consumer(p))
                {
                    FilterSubject = IntakeStream.Subject(p),
                    AckPolicy = ConsumerConfigAckPolicy.Explicit,
                    AckWait = serve.QueueAckWait,
                    DeliverPolicy = ConsumerConfigDeliverPolicy.All,
                    MaxAckPending = 4096,
                    MaxDeliver = -1,
                }, ct).ConfigureAwait(false);
            }

            bucket = await new NatsKVContext(js).CreateOrUpdateStoreAsync(
                new NatsKVConfig(IntakeStream.LeaseBucket) { MaxAge = serve.QueueAckWait, History = 1, Storage = NatsKVStorageType.File },
                ct).ConfigureAwait(false);
        }, settings.ConnectTimeout, cancellationToken).ConfigureAwait(false);

        var metrics = new ServerMetrics();
        var workerMetrics = new WorkerMetrics(metrics.Registry);
        _feed = new JetStreamFeed(js, partitions, workerMetrics, settings.Problems);

        // The same composition as serve's: detectors, allowlist, incidents and sinks from the config, the store's advisories and
        // indicators, and the suppressions made through serve's API (read again every few seconds: serve is another process).
        // Both follow the store, so that an import made while the worker runs (serve's refreshes, vulndb or intel commands) reaches it.
        var advisories = ServeOnPostgres.AdvisoryIndex(store, settings.Time);
        if (advisories is not null) _owned.Add(advisories);
        var following = ServeOnPostgres.Indicators(store, settings.Time, settings.Problems);
        if (following is not null) _owned.Add(following.Start());
        var intel = following?.Index;

        Triage? triage = null;
        if (store is ISharedTables tables)
        {
            triage = new Triage(tables, settings.Time, SuppressionRefresh);
            _owned.Add(triage);
        }

        IngestEngine BuildEngine()
        {
            var builder = new PipelineBuilder(store).WithConfig(settings.Config).WithAdvisories(advisories).WithIntel(intel).WithTime(settings.Time)
                .WithProblems(settings.Problems).WithOptions(settings.Engine).AddSink(new PipeWatchServer.MetricsSink(metrics));
            if (triage is not null) builder.AddFilter(triage);
            settings.Configure?.Invoke(builder);
            return builder.Build();
        }

        var feed = _feed;
        _engine = Task.Run(() => new StoreOutages(store, feed, workerMetrics, settings.Problems, settings.Time)
            .RunAsync(BuildEngine, () => new IntakeSource(feed.Rows, feed.Complete, PayloadReader.Default, metrics, null), _engineStop.Token), CancellationToken.None);

        _leases = new PartitionLeases(bucket!, name, partitions, serve.QueueAckWait, _feed, workerMetrics, settings.Problems);
        _leaseLoop = Task.Run(() => _leases.RunAsync(_leaseStop.Token), CancellationToken.None);

        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        web.Logging.ClearProviders();
        web.WebHost.UseUrls(settings.Urls);
        web.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        _app = web.Build();
        var connection = _connection;
        _app.MapGet("/healthz", () =>
        {
            var up = connection.ConnectionState == NatsConnectionState.Open && _engine is { IsCompleted: false };
            return Results.Json(
                new { status = up ? "ok" : "unavailable", worker = name, nats = connection.ConnectionState.ToString().ToLowerInvariant(), partitions = feed.Reading.Order(), inFlight = feed.InFlight },
                statusCode: up ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        _app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        Addresses = [.. _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];
        foreach (var address in Addresses) await settings.Out.WriteLineAsync($"pipewatch worker {name}: {partitions} partitions on {settings.Queue}; health and metrics on {address}").ConfigureAwait(false);
    }

    /// <summary>
    /// The graceful drain (SIGTERM): stops taking leases and messages, waits (up to the drain timeout) until the messages taken are
    /// committed and acknowledged, stops the engine, and gives the leases back so other workers take the partitions at once.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _leaseStop.CancelAsync().ConfigureAwait(false);
        if (_leaseLoop is not null) await _leaseLoop.ConfigureAwait(false);
        if (_leases is not null) await _leases.ReleaseAllAsync(_drain).ConfigureAwait(false);
        await _engineStop.CancelAsync().ConfigureAwait(false);
        if (_engine is not null) await _engine.ConfigureAwait(false);
        if (_feed is not null) await _feed.DisposeAsync().ConfigureAwait(false);
        if (_app is not null) await _app.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _engineStop.Dispose();
        _leaseStop.Dispose();
    }
}
