namespace PipeWatch.Baselines;

/// <summary>The last N observations of a numeric value, kept both in arrival order and sorted, for robust statistics.</summary>
/// <remarks>
/// Adding is O(N) memory moves with no allocation; the median is O(1); the MAD is O(N) and only computed on demand,
/// so the common path (an observation near the median) costs almost nothing.
/// </remarks>
internal sealed class RollingSample : IBaseline<RollingSample>
{
    /// <summary>Observations kept by default: enough for a stable median, small enough to follow a slow drift.</summary>
    public const int DefaultCapacity = 100;

    private readonly double[] _ring;
    private readonly double[] _sorted;
    private int _next;

    public RollingSample(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 3);
        _ring = new double[capacity];
        _sorted = new double[capacity];
    }

    /// <summary>Repository: used per run, job and step, keys that begin with the repository; a use keyed otherwise must get its own type.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>Observations currently in the window.</summary>
    public int Count { get; private set; }

    /// <summary>Observations ever added, including those that left the window.</summary>
    public long TotalSeen { get; private set; }

    public int Capacity => _ring.Length;

    /// <summary>The observations in the window, oldest first (the dashboard draws them).</summary>
    public IEnumerable<double> Values
    {
        get
        {
            var start = Count == _ring.Length ? _next : 0;
            for (var i = 0; i < Count; i++) yield return _ring[(start + i) % _ring.Length];
        }
    }

    public static RollingSample Create() => new();

    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            return;
        }

        if (Count == _ring.Length)
        {
            RemoveSorted(_ring[_next]);
        }
        else
        {
            Count++;
        }

        _ring[_next] = value;
        _next = (_next + 1) % _ring.Length;
        InsertSorted(value);
        TotalSeen++;
    }

    /// <summary>The median of the window; NaN when empty.</summary>
    public double Median
    {
        get
        {
            if (Count == 0) return double.NaN;
            var mid = Count / 2;
            return Count % 2 == 1 ? _sorted[mid] : (_sorted[mid - 1] + _sorted[mid]) / 2;
        }
    }

    /// <summary>The median absolute deviation from the median; NaN when empty.</summary>
    public double MedianAbsoluteDeviation()
    {
        if (Count == 0) return double.NaN;
        var median = Median;
        Span<double> deviations = Count <= 512 ? stackalloc double[Count] : new double[Count];
        for (var i = 0; i < Count; i++)
        {
            deviations[i] = Math.Abs(_sorted[i] - median);
        }

        deviations.Sort();
        var mid = Count / 2;
        return Count % 2 == 1 ? deviations[mid] : (deviations[mid - 1] + deviations[mid]) / 2;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_ring.Length);
        writer.Write(TotalSeen);
        writer.Write(Count);
        // Oldest first, so Read can replay them through Add.
        var start = Count == _ring.Length ? _next : 0;
        for (var i = 0; i < Count; i++)
        {
            writer.Write(_ring[(start + i) % _ring.Length]);
        }
    }

    public static RollingSample Read(BinaryReader reader)
    {
        var capacity = reader.ReadInt32();
        var totalSeen = reader.ReadInt64();
        var count = reader.ReadInt32();
        var sample = new RollingSample(capacity);
        for (var i = 0; i < count; i++)
        {
            sample.Add(reader.ReadDouble());
        }

        sample.TotalSeen = totalSeen;
        return sample;
    }

    private void InsertSorted(double value)
    {
        var used = Count - 1;
        var index = Array.BinarySearch(_sorted, 0, used, value);
        if (index < 0) index = ~index;
        Array.Copy(_sorted, index, _sorted, index + 1, used - index);
        _sorted[index] = value;
    }

    private void RemoveSorted(double value)
    {
        var index = Array.BinarySearch(_sorted, 0, Count, value);
        if (index < 0) return;
        Array.Copy(_sorted, index + 1, _sorted, index, Count - index - 1);
    }
}
