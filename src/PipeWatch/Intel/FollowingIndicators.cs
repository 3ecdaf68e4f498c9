using System.Globalization;
using System.Text;
using PipeWatch.Diagnostics;

namespace PipeWatch.Intel;

/// <summary>
/// The engine's indicator index, following its store: when an import (<c>intel import</c>, serve's feed refresh, another process
/// sharing the store) has changed the stored feeds, the index is rebuilt and put in force (<see cref="IndicatorIndex.Replace"/>)
/// within <c>every</c>, so a long-running <c>worker</c> sees what another process imported without a restart.
/// </summary>
/// <remarks>
/// The feeds' list (name, import time, counts) is read once per <c>every</c> on a background task; the index is rebuilt only when it
/// differs. A store that fails is reported once per outage and read again at the next round; the index in force stays.
/// </remarks>
internal sealed class FollowingIndicators : IDisposable
{
    private readonly Func<IIntelStore> _open;
    private readonly bool _ownsEach;
    private readonly TimeProvider _time;
    private readonly TimeSpan _every;
    private readonly IProblemReporter _problems;
    private readonly CancellationTokenSource _stop = new();
    private string _state;
    private Task? _loop;

    /// <param name="open">Gives the store to read (each round).</param>
    /// <param name="ownsEach">Dispose what <paramref name="open"/> gives after each round (a SQLite file opened for it alone).</param>
    public FollowingIndicators(Func<IIntelStore> open, bool ownsEach, TimeProvider time, TimeSpan every, IProblemReporter problems)
    {
        _open = open;
        _ownsEach = ownsEach;
        _time = time;
        _every = every;
        _problems = problems;
        // The state first, then the indicators: an import in between changes the state again and is picked up at the next round.
        var (state, index) = Read(withIndex: true);
        _state = state;
        Index = index!;
    }

    /// <summary>The index to give the engine; it swaps itself for newer ones as the store changes.</summary>
    public IndicatorIndex Index { get; }

    /// <summary>How many times the index was rebuilt after an import.</summary>
    public int Rebuilt { get; private set; }

    /// <summary>Starts following in the background until disposed, or until <paramref name="stopping"/> is cancelled.</summary>
    public FollowingIndicators Start(CancellationToken stopping = default)
    {
        if (stopping.CanBeCanceled) stopping.Register(_stop.Cancel);
        _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return this;
    }

    /// <summary>One round: reads the feeds' state and, when it changed, rebuilds the index and puts it in force; true when it did.</summary>
    public bool Follow()
    {
        var (state, _) = Read(withIndex: false);
        if (string.Equals(state, _state, StringComparison.Ordinal)) return false;
        var (now, next) = Read(withIndex: true);
        Index.Replace(next!);
        _state = now;
        Rebuilt++;
        return true;
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Reported by the loop itself.
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var failing = false;
        while (true)
        {
            try
            {
                await Task.Delay(_every, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                Follow();
                failing = false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A store that fails (its own exception types included) leaves the index in force; a defect is said the same way.
                if (!failing) _problems.Report(new Problem("intel", $"cannot read the store's indicators ({ex.Message}); the indicators in force stay, trying again"));
                failing = true;
            }
        }
    }

    private (string State, IndicatorIndex? Index) Read(bool withIndex)
    {
        var store = _open();
        try
        {
            var text = new StringBuilder();
            foreach (var feed in store.ListIntelFeeds().OrderBy(f => f.Feed, StringComparer.Ordinal))
            {
                text.Append(feed.Feed).Append('|').Append(feed.ImportedAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
                foreach (var (kind, count) in feed.Counts.OrderBy(c => c.Key)) text.Append('|').Append(kind).Append('=').Append(count.ToString(CultureInfo.InvariantCulture));
                text.Append('\n');
            }

            // Built whole before it is put in force.
            return (text.ToString(), withIndex ? ExfilServices.With(store.ReadIndicators(), _time.GetUtcNow()) : null);
        }
        finally
        {
            if (_ownsEach) (store as IDisposable)?.Dispose();
        }
    }
}
