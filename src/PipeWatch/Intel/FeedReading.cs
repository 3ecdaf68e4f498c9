using PipeWatch.Diagnostics;

namespace PipeWatch.Intel;

/// <summary>What reading one feed file gave: its indicators (one per kind and value) and, by reason, what it skipped.</summary>
/// <remarks>
/// Built by one reader on one thread; read once it is done. Given a hand-over (<see cref="IntelFeeds.ReadFile"/>'s
/// <c>handOver</c>), it holds at most <see cref="HandOverEvery"/> indicators: each full block is handed over (imported into the
/// store) and dropped, so a feed of any size is read in bounded memory; <see cref="Indicators"/> is then the last block, and the
/// counts cover every block (a value repeated in two blocks counts twice, and its later record is the one kept).
/// </remarks>
public sealed class FeedReading
{
    /// <summary>Values of one feed read at most; past it the rest is skipped and counted, so a hostile feed cannot exhaust memory.</summary>
    public const int MaxIndicators = 20_000_000;

    /// <summary>The size of a block handed over while reading, when a hand-over is given.</summary>
    public const int HandOverEvery = 20_000;

    private readonly Dictionary<(IndicatorKind, string), Indicator> _indicators = [];
    private readonly SortedDictionary<string, int> _skipped = new(StringComparer.Ordinal);

    private readonly Dictionary<IndicatorKind, int> _handedOver = [];
    private readonly IProblemReporter _problems;
    private Action<FeedReading>? _handOver;
    private int _handedOverCount;

    public FeedReading(string file, string feed, string format, IProblemReporter problems)
    {
        _problems = problems;
        File = file;
        Feed = feed;
        Format = format;
    }

    /// <summary>The file or URL read.</summary>
    public string File { get; }

    /// <summary>The name its indicators are imported under.</summary>
    public string Feed { get; }

    /// <summary>The format it was read as (<see cref="IntelFeeds.Formats"/>).</summary>
    public string Format { get; }

    /// <summary>The indicators read (with a hand-over: those not handed over yet).</summary>
    public IReadOnlyCollection<Indicator> Indicators => _indicators.Values;

    /// <summary>How many indicators were read, handed over or not.</summary>
    public int Count => _handedOverCount + _indicators.Count;

    /// <summary>From now on, hands each full block of indicators to <paramref name="handOver"/> and drops it.</summary>
    internal void HandOverBlocks(Action<FeedReading> handOver) => _handOver = handOver;

    /// <summary>What was skipped, by reason (<c>"relationship object"</c>, <c>"MISP attribute of type 'text'"</c>…), with counts.</summary>
    public IReadOnlyDictionary<string, int> Skipped => _skipped;

    /// <summary>Indicators by kind.</summary>
    public IReadOnlyDictionary<IndicatorKind, int> CountsByKind()
    {
        var counts = new Dictionary<IndicatorKind, int>(_handedOver);
        foreach (var indicator in _indicators.Values) counts[indicator.Kind] = counts.GetValueOrDefault(indicator.Kind) + 1;
        return counts;
    }

    /// <summary>Adds an indicator; a value already read keeps its first record (a feed naming it twice is one indicator).</summary>
    public void Add(Indicator indicator)
    {
        if (Count >= MaxIndicators)
        {
            Skip($"indicator past the limit of {MaxIndicators:N0}");
            return;
        }

        _indicators.TryAdd((indicator.Kind, indicator.Value), indicator);
        if (_handOver is null || _indicators.Count < HandOverEvery) return;
        _handOver(this);
        foreach (var held in _indicators.Values) _handedOver[held.Kind] = _handedOver.GetValueOrDefault(held.Kind) + 1;
        _handedOverCount += _indicators.Count;
        _indicators.Clear();
    }

    /// <summary>Problems reported while reading it.</summary>
    public int Problems { get; private set; }

    /// <summary>Reports a bad record (naming this file and the position) and goes on.</summary>
    public void Problem(string reason, int? line = null)
    {
        Problems++;
        _problems.Report(new Problem(File, reason, line));
    }

    public void Skip(string reason, int count = 1)
    {
        if (count <= 0) return;
        _skipped[reason] = _skipped.GetValueOrDefault(reason) + count;
    }

    /// <summary>One line: the indicators by kind, and what was skipped.</summary>
    public string Describe()
    {
        var kinds = CountsByKind();
        var counts = string.Join(", ", Enum.GetValues<IndicatorKind>().Where(kinds.ContainsKey).Select(k => $"{kinds[k]} {IndicatorKinds.Name(k)}"));
        var skipped = _skipped.Count == 0 ? string.Empty : "; skipped " + string.Join(", ", _skipped.Select(s => $"{s.Key} ×{s.Value}"));
        return $"{File}: {Format}, {Count} indicator{(Count == 1 ? "" : "s")}{(counts.Length > 0 ? $" ({counts})" : "")}{skipped}";
    }
}
