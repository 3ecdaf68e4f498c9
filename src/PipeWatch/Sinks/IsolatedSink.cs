using System.Threading.Channels;
using PipeWatch.Diagnostics;

namespace PipeWatch.Sinks;

/// <summary>One sink behind its own bounded queue and task: a sink that throws, is slow or hangs neither stops the others nor (with <see cref="SinkQueueFullMode.DropNewest"/>) slows detection.</summary>
/// <remarks>
/// <see cref="EnqueueAsync"/> and <see cref="CompleteAsync"/> are called by the engine, from one thread. The sink itself is called from
/// this wrapper's own task only, batch by batch in order. Failures (a failed result or an exception) are reported to the problem
/// reporter and counted; drops are counted and reported once at completion.
/// </remarks>
public sealed class IsolatedSink
{
    private readonly IFindingSink _sink;
    private readonly SinkQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly IProblemReporter _problems;
    private readonly Channel<IReadOnlyList<Alert>> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _consumer;
    private long _delivered;
    private long _failed;
    private long _dropped;

    public IsolatedSink(IFindingSink sink, SinkQueueOptions options, TimeProvider time, IProblemReporter problems, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        _sink = sink;
        _options = options;
        _time = time;
        _problems = problems;
        Name = name ?? sink.GetType().Name;
        _queue = Channel.CreateBounded<IReadOnlyList<Alert>>(new BoundedChannelOptions(Math.Max(1, options.Capacity))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _consumer = Task.Run(ConsumeAsync, CancellationToken.None);
    }

    /// <summary>The sink's name in problems: its type name unless given.</summary>
    public string Name { get; }

    /// <summary>Alerts the sink accepted.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Alerts in batches the sink failed on (a failed result or an exception).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Alerts never handed to the sink: its queue was full (<see cref="SinkQueueFullMode.DropNewest"/>) or it did not finish in time.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a committed batch; waits for room or drops it, as <see cref="SinkQueueOptions.WhenFull"/> says.</summary>
    public async ValueTask EnqueueAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) return;
        if (_queue.Writer.TryWrite(batch)) return;
        if (_options.WhenFull == SinkQueueFullMode.DropNewest)
        {
            Interlocked.Add(ref _dropped, batch.Count);
            (_sink as IDurableSink)?.Dropped(batch, $"dropped: the route's queue was full ({_options.Capacity:N0} batches waiting)");
            return;
        }

        await _queue.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lets the sink take what is queued and finish, within <see cref="SinkQueueOptions.CompletionTimeout"/>; reports what was lost.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        var finished = await WithinAsync(_consumer).ConfigureAwait(false);
        if (finished)
        {
            finished = await WithinAsync(CallAsync(s => s.CompleteAsync(_stop.Token), alerts: 0)).ConfigureAwait(false);
        }

        if (!finished)
        {
            // A sink that ignores cancellation is left behind: its task cannot be taken back, but nothing waits for it.
            await _stop.CancelAsync().ConfigureAwait(false);
            while (_queue.Reader.TryRead(out var left))
            {
                Interlocked.Add(ref _dropped, left.Count);
                (_sink as IDurableSink)?.Dropped(left, $"dropped: the sink did not finish within {_options.CompletionTimeout.TotalSeconds:0.#} s");
            }
            _problems.Report(new Problem(Name, $"sink did not finish within {_options.CompletionTimeout.TotalSeconds:0.#} s; what it had not taken is dropped"));
        }

        if (Dropped > 0) _problems.Report(new Problem(Name, $"sink dropped {Dropped:N0} alert{(Dropped == 1 ? "" : "s")} (queue full or not finished in time)"));
    }

    private async Task ConsumeAsync()
    {
        try
        {
            await foreach (var batch in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await CallAsync(s => s.EmitAsync(batch, _stop.Token), batch.Count).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped at completion's deadline: the rest is counted as dropped there.
        }
    }

    private async Task CallAsync(Func<IFindingSink, ValueTask<SinkResult>> call, int alerts)
    {
        SinkResult result;
        try
        {
            result = await call(_sink).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            result = SinkResult.Failed($"{ex.GetType().Name}: {ex.Message}");
        }

        if (result.Succeeded)
        {
            Interlocked.Add(ref _delivered, alerts);
            return;
        }

        Interlocked.Add(ref _failed, alerts);
        _problems.Report(new Problem(Name, $"sink failed: {result.Error}"));
    }

    private async Task<bool> WithinAsync(Task task)
    {
        try
        {
            await task.WaitAsync(_options.CompletionTimeout, _time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
