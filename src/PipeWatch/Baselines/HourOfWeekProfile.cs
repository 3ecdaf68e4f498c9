using System.Globalization;

namespace PipeWatch.Baselines;

/// <summary>How often something happened at each hour of the week (UTC): the "usual hours" of an actor.</summary>
/// <remarks>Bucket 0 is Sunday 00:00–00:59 UTC, 167 is Saturday 23:00–23:59. Not thread-safe, like every baseline.</remarks>
internal sealed class HourOfWeekProfile
{
    public const int Hours = 168;

    private readonly long[] _counts = new long[Hours];

    // Derived, not stored: the counts per hour of the day over all seven days, so "same hour any day" is one read.
    private readonly long[] _byHourOfDay = new long[24];

    /// <summary>Events counted.</summary>
    public long Total { get; private set; }

    /// <summary>The count of one bucket.</summary>
    public long this[int bucket] => _counts[bucket];

    // 1 January 0001 was a Monday, bucket 24: the bucket is the hour count since then, shifted by a day, modulo a week.
    public static int Bucket(DateTimeOffset at) => (int)(((at.UtcTicks / TimeSpan.TicksPerHour) + 24) % Hours);

    /// <summary>"Sunday 03:00": the bucket's day and hour, for explanations.</summary>
    public static string Name(int bucket) =>
        string.Create(CultureInfo.InvariantCulture, $"{(DayOfWeek)(bucket / 24)} {bucket % 24:00}:00");

    public void Learn(DateTimeOffset at)
    {
        var bucket = Bucket(at);
        _counts[bucket]++;
        _byHourOfDay[bucket % 24]++;
        Total++;
    }

    /// <summary>Events within <paramref name="radius"/> hours either side of the hour of week of <paramref name="at"/>, wrapping around the week.</summary>
    public long Near(DateTimeOffset at, int radius = 1)
    {
        var bucket = Bucket(at);
        long near = 0;
        for (var offset = -radius; offset <= radius; offset++) near += _counts[(((bucket + offset) % Hours) + Hours) % Hours];
        return near;
    }

    /// <summary>Events at the same hour of the day as <paramref name="at"/>, on any day.</summary>
    public long SameHourAnyDay(DateTimeOffset at) => _byHourOfDay[Bucket(at) % 24];

    /// <summary>The busiest buckets with their counts, busiest first.</summary>
    public IEnumerable<(int Bucket, long Count)> Top(int count) =>
        Enumerable.Range(0, Hours).Where(b => _counts[b] > 0).OrderByDescending(b => _counts[b]).ThenBy(b => b).Take(count).Select(b => (b, _counts[b]));

    /// <summary>Writes the 168 counts, then the total.</summary>
    public void Write(BinaryWriter writer)
    {
        foreach (var count in _counts) writer.Write(count);
        writer.Write(Total);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static HourOfWeekProfile Read(BinaryReader reader)
    {
        var profile = new HourOfWeekProfile();
        for (var i = 0; i < Hours; i++)
        {
            profile._counts[i] = reader.ReadInt64();
            profile._byHourOfDay[i % 24] += profile._counts[i];
        }

        profile.Total = reader.ReadInt64();
        return profile;
    }

    /// <summary>The counts of <paramref name="current"/> plus what <paramref name="mine"/> counted since <paramref name="loaded"/> (null: since empty).</summary>
    public static HourOfWeekProfile Merged(HourOfWeekProfile current, HourOfWeekProfile mine, HourOfWeekProfile? loaded)
    {
        var merged = new HourOfWeekProfile();
        for (var i = 0; i < Hours; i++)
        {
            merged._counts[i] = Math.Max(0, current._counts[i] + mine._counts[i] - (loaded?._counts[i] ?? 0));
            merged._byHourOfDay[i % 24] += merged._counts[i];
        }

        merged.Total = Math.Max(0, current.Total + mine.Total - (loaded?.Total ?? 0));
        return merged;
    }
}
