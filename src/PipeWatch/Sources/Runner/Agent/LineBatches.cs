namespace PipeWatch.Sources.Runner.Agent;

/// <summary>
/// Reads a tracer's output on a thread of its own and hands its lines on in batches: <see cref="Interval"/> after the first line
/// of a batch, at once when a batch is full or a line is urgent, and at the end.
/// </summary>
/// <remarks>
/// A busy build makes a tracer print tens of thousands of lines, each written on its own. Awaiting each line went through the thread
/// pool once per line, and the pool's workers spun between them: on a 2-second build of 200 C files the agent then used 0.7 CPU-s,
/// four times bpftrace's own 0.17 (bench/agent.sh). One blocking reader and a consumer woken a few times a second cost almost
/// nothing. The reader waits while <see cref="MaxQueued"/> batches are unread, so a consumer that falls behind does not fill
/// memory: strace then waits to write, which stops the job; bpftrace's buffers fill and it reports the events it lost.
/// </remarks>
internal static class LineBatches
{
    /// <summary>How long a line may wait before it is handed on.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private const int MaxQueued = 8;

    /// <summary>Reads <paramref name="reader"/> to its end, calling <paramref name="apply"/> with each batch (non-empty, at most <paramref name="size"/> lines, in order; the list is reused after the call returns) and whether the reader has nothing more to give right now.</summary>
    /// <param name="urgent">A line that is handed on without waiting for the interval (a tracer's start marker).</param>
    /// <exception cref="IOException">The read failed; the lines read before it were handed on.</exception>
    public static async Task ReadAsync(TextReader reader, int size, Func<string, bool> urgent, Func<List<string>, bool, Task> apply)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var gate = new object();
        var inbox = new List<string>(size);
        var ended = false;
        Exception? failure = null;
        using var wake = new SemaphoreSlim(0);
        var thread = new Thread(() =>
        {
            try
            {
                while (reader.ReadLine() is { } line)
                {
                    bool now;
                    lock (gate)
                    {
                        while (inbox.Count >= size * MaxQueued) Monitor.Wait(gate);
                        inbox.Add(line);
                        // The first line after a drain wakes the consumer, which then waits the interval for more; so does a full batch.
                        now = inbox.Count == 1 || inbox.Count % size == 0;
                    }

                    if (now || urgent(line)) wake.Release();
                }
            }
            catch (IOException ex)
            {
                failure = ex;
            }
            finally
            {
                lock (gate) ended = true;
                wake.Release();
            }
        })
        { IsBackground = true, Name = "pipewatch agent reader" };
        thread.Start();

        var taken = new List<string>(size);
        var batch = new List<string>(size);
        while (true)
        {
            // Asleep while the tracer is quiet: an idle job costs no wake-ups.
            await wake.WaitAsync().ConfigureAwait(false);
            bool full;
            lock (gate) full = ended || inbox.Count >= size;
            if (!full) await wake.WaitAsync(Interval).ConfigureAwait(false);
            bool end;
            lock (gate)
            {
                (taken, inbox) = (inbox, taken);
                end = ended;
                Monitor.PulseAll(gate);
            }

            for (var i = 0; i < taken.Count; i += size)
            {
                batch.AddRange(taken.GetRange(i, Math.Min(size, taken.Count - i)));
                await apply(batch, i + size >= taken.Count).ConfigureAwait(false);
                batch.Clear();
            }

            taken.Clear();
            if (end) break;
        }

        if (failure is not null) throw new IOException(failure.Message, failure);
    }
}
