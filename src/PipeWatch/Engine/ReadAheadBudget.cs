namespace PipeWatch.Engine;

/// <summary>How much work the scan's reading thread may have handed to preparation that the detectors have not consumed yet.</summary>
/// <remarks>
/// The reading thread takes a chunk's weight before preparing it and waits while the budget is spent; the detectors' thread gives
/// each commit's weight back once it has inspected it. A chunk heavier than the whole budget still goes when nothing is held, so
/// the scan always moves. The waiting thread is woken only once what it waits for fits: a wake-up per inspected commit made the
/// detectors' thread pay for a futex call and the lock handed back and forth thousands of times per history, for nothing.
/// </remarks>
internal sealed class ReadAheadBudget(long limit)
{
    private readonly object _gate = new();
    private long _held;

    // The amount a Take waits to fit, 0 when none waits (one reading thread takes).
    private long _waiting;
    private long _wakeUps;

    /// <summary>Times <see cref="Release"/> woke a waiting <see cref="Take"/> (each time, with room for it).</summary>
    public long WakeUps => Interlocked.Read(ref _wakeUps);

    /// <summary>True while a <see cref="Take"/> waits for room.</summary>
    public bool HasWaiter
    {
        get
        {
            lock (_gate) return _waiting > 0;
        }
    }

    /// <summary>Takes <paramref name="amount"/>, waiting for the detectors to give some back if needed; false when cancelled first.</summary>
    public bool Take(long amount, CancellationToken cancellationToken)
    {
        if (amount <= 0) return true;
        lock (_gate)
        {
            try
            {
                while (!Fits(amount))
                {
                    if (cancellationToken.IsCancellationRequested) return false;
                    _waiting = amount;
                    // Timed: cancellation is seen even when nothing is given back.
                    Monitor.Wait(_gate, TimeSpan.FromMilliseconds(100));
                }
            }
            finally
            {
                _waiting = 0;
            }

            _held += amount;
            return true;
        }
    }

    /// <summary>Gives back what one inspected commit weighed.</summary>
    public void Release(long amount)
    {
        if (amount <= 0) return;
        lock (_gate)
        {
            _held -= amount;
            if (_waiting > 0 && Fits(_waiting))
            {
                _wakeUps++;
                Monitor.PulseAll(_gate);
            }
        }
    }

    // Under the gate.
    private bool Fits(long amount) => _held <= 0 || _held + amount <= limit;
}
