namespace PipeWatch.Engine;

/// <summary>How much work the scan's reading thread may have handed to preparation that the detectors have not consumed yet.</summary>
/// <remarks>
/// The reading thread takes a chunk's weight before preparing it and waits while the budget is spent; the detectors' thread gives
/// each commit's weight back once it has inspected it. A chunk heavier than the whole budget still goes when nothing is held, so
/// the scan always moves.
/// </remarks>
internal sealed class ReadAheadBudget(long limit)
{
    private readonly object _gate = new();
    private long _held;

    /// <summary>Takes <paramref name="amount"/>, waiting for the detectors to give some back if needed; false when cancelled first.</summary>
    public bool Take(long amount, CancellationToken cancellationToken)
    {
        if (amount <= 0) return true;
        lock (_gate)
        {
            while (_held > 0 && _held + amount > limit)
            {
                if (cancellationToken.IsCancellationRequested) return false;
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(100));
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
            Monitor.PulseAll(_gate);
        }
    }
}
