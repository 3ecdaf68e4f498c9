using System.Data.Common;
using PipeWatch.Diagnostics;
using PipeWatch.Engine;
using PipeWatch.Server.Intake;
using PipeWatch.Store;

namespace PipeWatch.Server.Queue;

/// <summary>
/// A worker's engine across store outages (a PostgreSQL restart, a failover, a dropped connection): when the store fails, the
/// open batch is gone with its transaction, so the messages taken and not yet acknowledged are given back to JetStream, the
/// store is asked (with backoff) until it answers, and a new engine — with its caches read again from the store — takes over.
/// Nothing is lost (only committed messages were acknowledged) and nothing counts twice (the ledger skips what was committed).
/// </summary>
internal sealed class StoreOutages(IStore store, JetStreamFeed feed, WorkerMetrics metrics, IProblemReporter problems, TimeProvider time)
{
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);

    /// <summary>Runs engines made by <paramref name="engine"/> over sources made by <paramref name="source"/> until stopped.</summary>
    /// <exception cref="Exception">Anything other than a store failure ends the run as it would without this class.</exception>
    public async Task RunAsync(Func<IngestEngine> engine, Func<IntakeSource> source, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                // Built inside the guard: building reads the store too (the signals recorded in the window).
                var run = engine();
                var intake = source();
                await run.RunAsync([intake], intake, stop).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!stop.IsCancellationRequested && StoreFailure(ex) is { } failure)
            {
                metrics.StoreFailures.Inc();
                var released = await feed.ReleaseTakenAsync().ConfigureAwait(false);
                problems.Report(new Problem("store", $"the store failed ({failure.Message.TrimEnd('.')}); {released} messages given back to the queue, waiting for the store to answer"));
            }

            if (!await WaitForStoreAsync(stop).ConfigureAwait(false)) return;
            problems.Report(new Problem("store", "the store answers again; processing resumes"));
        }
    }

    /// <summary>The store failure in <paramref name="ex"/> or its inner exceptions, if it is one.</summary>
    internal static Exception? StoreFailure(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            // Npgsql also says a cut connection as an InvalidOperationException ("connection is not open", "broken").
            if (e is StoreException or DbException || (e is InvalidOperationException && e.Source == "Npgsql")) return e;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(StoreFailure).FirstOrDefault(f => f is not null) is { } inner) return inner;
        }

        return null;
    }

    // The probe is a batch that reads a baseline and is given up: a real round trip on a connection of the pool (a pooled
    // connection the restart cut fails here, and is dropped), and it writes nothing.
    private async Task<bool> WaitForStoreAsync(CancellationToken stop)
    {
        var wait = FirstWait;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using (var batch = store.BeginBatch()) batch.LoadBaseline("pipewatch|store-probe");
                return true;
            }
            catch (Exception ex) when (StoreFailure(ex) is not null)
            {
                try
                {
                    await Task.Delay(wait, time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
            }
        }

        return false;
    }
}
