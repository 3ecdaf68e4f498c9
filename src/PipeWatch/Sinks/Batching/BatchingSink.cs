using Polly;
using Polly.Retry;
using Polly.Timeout;
using PipeWatch.Diagnostics;
using PipeWatch.Store;

namespace PipeWatch.Sinks.Batching;

/// <summary>
/// The base of every remote sink: its own queue, batches by size or by age, retries with exponential backoff and jitter
/// (honouring the service's <c>Retry-After</c>), a time limit per attempt, and a clean end that sends what is queued.
/// </summary>
/// <remarks>
/// A remote sink is an <see cref="IAlertTransport"/>, its options and one registration; this class does the rest, on the
/// injected <see cref="TimeProvider"/>. <see cref="EmitAsync"/> only queues, so detection never waits on the network. A batch
/// that fails for good is reported (never with its alerts' secrets: they are redacted already) and counted in <see cref="Failed"/>.
/// </remarks>
public sealed class BatchingSink : IFindingSink
{
    private readonly IAlertTransport _transport;
    private readonly BatchingSinkOptions _options;
    private readonly TimeProvider _time;
    private readonly IProblemReporter _problems;
    private readonly string _name;
    private readonly IDeliveryLog? _log;
    private readonly ResiliencePipeline<DeliveryResult> _pipeline;
    private readonly Lock _gate = new();
    private readonly Queue<Alert> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Task _loop;
    private long _oldestQueuedAt;
    private bool _completing;
    private long _delivered;
    private long _failed;
    private long _dropped;
    private long _retries;

    /// <param name="log">Where each batch's outcome is recorded under <paramref name="name"/> (delivered, or dead-lettered); none when null.</param>
    public BatchingSink(IAlertTransport transport, BatchingSinkOptions options, TimeProvider time, IProblemReporter problems, string? name = null, IDeliveryLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        _transport = transport;
        _options = options;
        _time = time;
        _problems = problems;
        _name = name ?? transport.GetType().Name;
        _log = log;
        var pipeline = new ResiliencePipelineBuilder<DeliveryResult> { TimeProvider = time };
        // One attempt (max-attempts: 1) is no retry at all: Polly refuses a retry strategy of zero retries (it crashed 'alerts test').
        if (options.MaxAttempts > 1)
        {
            pipeline.AddRetry(new RetryStrategyOptions<DeliveryResult>
            {
                ShouldHandle = new PredicateBuilder<DeliveryResult>()
                    .Handle<HttpRequestException>()
                    .Handle<IOException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => r.Outcome == DeliveryOutcome.Retry),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.FirstRetryDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result.RetryAfter),
                OnRetry = _ =>
                {
                    Interlocked.Increment(ref _retries);
                    return default;
                },
            });
        }

        _pipeline = pipeline.AddTimeout(options.AttemptTimeout).Build();
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Alerts the service accepted.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Alerts in batches that failed for good (rejected, or every attempt failed).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Alerts dropped because the queue was over its limit.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Attempts made again after a failure.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_gate)
        {
            if (_queue.Count == 0) _oldestQueuedAt = _time.GetTimestamp();
            foreach (var alert in batch)
            {
                _queue.Enqueue(alert);
            }

            while (_queue.Count > _options.QueueLimit)
            {
                _queue.Dequeue();
                _dropped++;
            }
        }

        _signal.Release();
        return ValueTask.FromResult(SinkResult.Ok);
    }

    /// <summary>Sends everything queued (with retries) and stops; says whether anything was lost.</summary>
    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _completing = true;
        }

        _signal.Release();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        var lost = Failed + Dropped;
        return lost == 0 ? SinkResult.Ok : SinkResult.Failed($"{lost:N0} alert{(lost == 1 ? "" : "s")} not delivered ({Failed:N0} failed, {Dropped:N0} dropped from a full queue)");
    }

    private async Task RunAsync()
    {
        while (true)
        {
            Alert[]? batch = null;
            TimeSpan wait = Timeout.InfiniteTimeSpan;
            lock (_gate)
            {
                var age = _queue.Count == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_oldestQueuedAt);
                if (_queue.Count >= _options.MaxBatchSize || (_queue.Count > 0 && (_completing || age >= _options.FlushInterval)))
                {
                    batch = new Alert[Math.Min(_queue.Count, _options.MaxBatchSize)];
                    for (var i = 0; i < batch.Length; i++) batch[i] = _queue.Dequeue();
                    if (_queue.Count > 0) _oldestQueuedAt = _time.GetTimestamp();
                }
                else if (_completing)
                {
                    return;
                }
                else if (_queue.Count > 0)
                {
                    wait = _options.FlushInterval - age;
                }
            }

            if (batch is null)
            {
                await WaitAsync(wait).ConfigureAwait(false);
                continue;
            }

            await SendAsync(batch).ConfigureAwait(false);
        }
    }

    // Until an alert arrives, the end is asked for, or the oldest alert's flush interval is up.
    private async Task WaitAsync(TimeSpan wait)
    {
        if (wait == Timeout.InfiniteTimeSpan)
        {
            await _signal.WaitAsync().ConfigureAwait(false);
            return;
        }

        using var timer = new CancellationTokenSource();
        var signalled = _signal.WaitAsync(timer.Token);
        await Task.WhenAny(signalled, Task.Delay(wait, _time, timer.Token)).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        try
        {
            await signalled.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The interval was up first.
        }
    }

    private async Task SendAsync(Alert[] batch)
    {
        DeliveryResult result;
        var attempts = 0;
        try
        {
            result = await _pipeline.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    return await _transport.SendAsync(batch, ct).ConfigureAwait(false);
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            result = DeliveryResult.Rejected(ex is Polly.Timeout.TimeoutRejectedException
                ? $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s"
                : $"{ex.GetType().Name}: {ex.Message}");
        }

        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            Interlocked.Add(ref _delivered, batch.Length);
            Record(log => log.Delivered(_name, Logged(batch), attempts));
            return;
        }

        Interlocked.Add(ref _failed, batch.Length);
        var error = $"{batch.Length} alert{(batch.Length == 1 ? "" : "s")} not delivered after {attempts} attempt{(attempts == 1 ? "" : "s")}: {result.Error}";
        Record(log => log.DeadLettered(_name, Logged(batch), attempts, result.Error ?? "failed"));
        _problems.Report(new Problem(_name, _log is null ? error : error + " (kept as dead letters: 'pipewatch alerts retry' sends them again)"));
    }

    private static DeliveredAlert[] Logged(Alert[] batch) =>
        [.. batch.Select(a => new DeliveredAlert(a.Finding, a.Incident?.Id, a.Incident?.IsNew ?? false))];

    // The log is the store: a store that cannot be written is reported, and delivery goes on.
    private void Record(Action<IDeliveryLog> write)
    {
        if (_log is null) return;
        try
        {
            write(_log);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            _problems.Report(new Problem(_name, $"cannot record the delivery outcome in the store ({ex.Message})"));
        }
    }
}
