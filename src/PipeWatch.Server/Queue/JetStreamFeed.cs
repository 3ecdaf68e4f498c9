using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using PipeWatch.Diagnostics;
using PipeWatch.Server.Intake;

namespace PipeWatch.Server.Queue;

/// <summary>
/// A worker's messages: one fetch loop per partition it holds, all feeding one channel of intake rows for the engine, and the
/// acknowledgements sent once the engine has committed a row's events.
/// </summary>
/// <remarks>
/// A message is "in flight" from the fetch to its acknowledgement. Stopping a partition ends its fetch loop and waits until its
/// messages in flight are committed and acknowledged, so a partition is handed on only when nothing of it is half done here. A
/// message never acknowledged (the process died, the acknowledgement was lost) comes again after the consumer's AckWait, to
/// whoever holds the partition then; the store's ledger skips the events it committed before. Thread-safe.
/// </remarks>
internal sealed class JetStreamFeed : IAsyncDisposable
{
    private const int FetchBatch = 64;
    private readonly INatsJSContext _js;
    private readonly WorkerMetrics _metrics;
    private readonly IProblemReporter _problems;
    private readonly Channel<IntakeRow> _rows = Channel.CreateBounded<IntakeRow>(new BoundedChannelOptions(1024) { SingleReader = true });
    private readonly Channel<Taken> _acks = Channel.CreateUnbounded<Taken>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, Taken> _taken = new();
    private readonly ConcurrentDictionary<int, Reader> _readers = new();
    private readonly int[] _inFlight;
    private readonly Task _acker;
    private long _seq;

    public JetStreamFeed(INatsJSContext js, int partitions, WorkerMetrics metrics, IProblemReporter problems)
    {
        _js = js;
        _inFlight = new int[partitions];
        _metrics = metrics;
        _problems = problems;
        _acker = Task.Run(AckLoopAsync);
    }

    /// <summary>The rows for the engine's intake source.</summary>
    public ChannelReader<IntakeRow> Rows => _rows.Reader;

    /// <summary>Messages taken and not yet acknowledged, over every partition.</summary>
    public int InFlight => _inFlight.Sum();

    /// <summary>The partitions being read.</summary>
    public IReadOnlyCollection<int> Reading => [.. _readers.Keys];

    /// <summary>Starts reading a partition (its lease was just taken).</summary>
    public void Start(int partition)
    {
        var stop = new CancellationTokenSource();
        var reader = new Reader(stop, Task.Run(() => FetchLoopAsync(partition, stop.Token)));
        if (!_readers.TryAdd(partition, reader))
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    /// <summary>Stops reading a partition and waits (up to <paramref name="drain"/>) until its messages in flight are acknowledged; false when some were not.</summary>
    public async Task<bool> StopAsync(int partition, TimeSpan drain)
    {
        if (_readers.TryRemove(partition, out var reader))
        {
            await reader.Stop.CancelAsync().ConfigureAwait(false);
            await reader.Loop.ConfigureAwait(false);
            reader.Stop.Dispose();
            _metrics.Pending.RemoveLabelled(Label(partition));
        }

        var deadline = DateTime.UtcNow + drain;
        while (Volatile.Read(ref _inFlight[partition]) > 0)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(20).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>The engine committed these rows' events: their messages are acknowledged (in the background, in order).</summary>
    public void Complete(IReadOnlyList<IntakeRow> rows)
    {
        foreach (var row in rows)
        {
            if (_taken.TryRemove(row.Seq, out var taken)) _acks.Writer.TryWrite(taken);
        }
    }

    /// <summary>
    /// The engine failed before committing what it took (the store went away): every message taken and not yet acknowledged is
    /// given back (a negative acknowledgement, so JetStream delivers it again at once) and no longer counted in flight. Rows of
    /// them still waiting in <see cref="Rows"/> may be read again by the next engine: the store's ledger makes that harmless.
    /// </summary>
    /// <returns>How many messages were given back.</returns>
    public async Task<int> ReleaseTakenAsync()
    {
        var released = 0;
        foreach (var seq in _taken.Keys)
        {
            if (!_taken.TryRemove(seq, out var taken)) continue;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await taken.Message.NakAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
            {
                // Not told: it comes again after the consumer's AckWait all the same.
            }

            Interlocked.Decrement(ref _inFlight[taken.Partition]);
            _metrics.InFlight.Dec();
            released++;
        }

        return released;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _readers.Keys) await StopAsync(partition, TimeSpan.Zero).ConfigureAwait(false);
        _acks.Writer.TryComplete();
        await _acker.ConfigureAwait(false);
        _rows.Writer.TryComplete();
    }

    private async Task FetchLoopAsync(int partition, CancellationToken stop)
    {
        INatsJSConsumer? consumer = null;
        var failing = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                consumer ??= await _js.GetConsumerAsync(IntakeStream.Name, IntakeStream.Consumer(partition), stop).ConfigureAwait(false);
                var fetched = 0;
                await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = FetchBatch, Expires = TimeSpan.FromSeconds(1) }, cancellationToken: stop).ConfigureAwait(false))
                {
                    fetched++;
                    await TakeAsync(partition, message, stop).ConfigureAwait(false);
                }

                if (fetched == 0) _metrics.Pending.WithLabels(Label(partition)).Set(0);
                failing = false;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException or ChannelClosedException)
            {
                // JetStream is down or restarting: the connection reconnects by itself; this loop asks again.
                _metrics.FetchFailures.Inc();
                if (!failing) _problems.Report(new Problem($"queue partition {partition}", $"fetch failed, retrying: {ex.GetType().Name}: {ex.Message}"));
                failing = true;
                consumer = null;
                try
                {
                    await Task.Delay(500, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task TakeAsync(int partition, INatsJSMsg<byte[]> message, CancellationToken stop)
    {
        if (message.Metadata is { } metadata)
        {
            if (metadata.NumDelivered > 1) _metrics.Redeliveries.Inc();
            _metrics.Pending.WithLabels(Label(partition)).Set(metadata.NumPending);
        }

        var item = IntakeStream.Item(message.Headers, message.Data);
        if (item is null)
        {
            // Not a PipeWatch message (someone else published on the subject): reported and dropped for good.
            _problems.Report(new Problem($"queue partition {partition}", $"message on {message.Subject} has no PipeWatch headers; dropped"));
            await message.AckTerminateAsync(cancellationToken: stop).ConfigureAwait(false);
            return;
        }

        var seq = Interlocked.Increment(ref _seq);
        _taken[seq] = new Taken(message, partition);
        Interlocked.Increment(ref _inFlight[partition]);
        _metrics.InFlight.Inc();
        try
        {
            await _rows.Writer.WriteAsync(new IntakeRow(seq, item), stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Never handed to the engine: left unacknowledged, it comes again to whoever holds the partition.
            _taken.TryRemove(seq, out _);
            Interlocked.Decrement(ref _inFlight[partition]);
            _metrics.InFlight.Dec();
            throw;
        }
    }

    private async Task AckLoopAsync()
    {
        await foreach (var taken in _acks.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await taken.Message.AckAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
                _metrics.Acknowledged.Inc();
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
            {
                _metrics.AckFailures.Inc();
            }

            Interlocked.Decrement(ref _inFlight[taken.Partition]);
            _metrics.InFlight.Dec();
        }
    }

    private static string Label(int partition) => partition.ToString(CultureInfo.InvariantCulture);

    private sealed record Taken(INatsJSMsg<byte[]> Message, int Partition);

    private sealed record Reader(CancellationTokenSource Stop, Task Loop);
}
