using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Deployments per hour of one repository and environment over the last weeks, the times of the latest ones, and the last hour that fired.</summary>
internal sealed class HourlyDeployCounts : IBaseline<HourlyDeployCounts>
{
    public const int HoursPerWeek = 168;

    /// <summary>Weeks kept; the configured window is capped at it.</summary>
    public const int MaximumWeeks = 26;

    private readonly ushort[] _counts = new ushort[MaximumWeeks * HoursPerWeek];
    private readonly List<long> _recent = [];
    private RecentIds _ids = new();

    /// <summary>Repository: keyed by deployment scope (the repository, else the pipeline) and environment.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>The hour (since the Unix epoch) of the first deployment seen, -1 when none.</summary>
    public long FirstHour { get; private set; } = -1;

    /// <summary>The latest hour counted.</summary>
    public long LastHour { get; private set; } = -1;

    /// <summary>The last hour a finding was raised for, -1 when none.</summary>
    public long FiredHour { get; set; } = -1;

    public static HourlyDeployCounts Create() => new();

    /// <summary>Counts the deployment if its id is new; true when it was.</summary>
    public bool CountDeployment(string id) => _ids.Add(id);

    /// <summary>Adds one deployment at <paramref name="time"/>; false when it is older than the window (not counted).</summary>
    public bool Add(DateTimeOffset time, int keepTimes)
    {
        var hour = HourOf(time);
        if (LastHour >= 0 && hour <= LastHour - _counts.Length) return false;
        if (FirstHour < 0 || hour < FirstHour) FirstHour = hour;
        if (hour > LastHour)
        {
            // Clear the hours skipped since the last deployment (they had none), at most the whole ring.
            for (var h = Math.Max(LastHour + 1, hour - _counts.Length + 1); h <= hour; h++) _counts[Slot(h)] = 0;
            LastHour = hour;
        }

        ref var count = ref _counts[Slot(hour)];
        if (count < ushort.MaxValue) count++;
        _recent.Add(time.UtcTicks);
        _recent.Sort();
        if (_recent.Count > keepTimes) _recent.RemoveRange(0, _recent.Count - keepTimes);
        return true;
    }

    public int CountAt(long hour) => hour > LastHour || hour <= LastHour - _counts.Length || hour < FirstHour ? 0 : _counts[Slot(hour)];

    /// <summary>The times (UTC ticks) of the latest deployments, oldest first.</summary>
    public IReadOnlyList<long> RecentTimes => _recent;

    public static long HourOf(DateTimeOffset time) => time.ToUnixTimeSeconds() / 3600;

    private int Slot(long hour) => (int)(((hour % _counts.Length) + _counts.Length) % _counts.Length);

    public void Write(BinaryWriter writer)
    {
        writer.Write(FirstHour);
        writer.Write(LastHour);
        writer.Write(FiredHour);
        _ids.Write(writer);
        writer.Write(_recent.Count);
        foreach (var ticks in _recent) writer.Write(ticks);
        foreach (var count in _counts) writer.Write(count);
    }

    public static HourlyDeployCounts Read(BinaryReader reader)
    {
        var state = new HourlyDeployCounts { FirstHour = reader.ReadInt64(), LastHour = reader.ReadInt64(), FiredHour = reader.ReadInt64(), _ids = RecentIds.Read(reader) };
        var recent = reader.ReadInt32();
        for (var i = 0; i < recent; i++) state._recent.Add(reader.ReadInt64());
        for (var i = 0; i < state._counts.Length; i++) state._counts[i] = reader.ReadUInt16();
        return state;
    }
}
