using PipeWatch.Baselines;
using Xunit;

namespace PipeWatch.Tests.Baselines;

public sealed class HourOfWeekProfileTests
{
    [Fact]
    public void Near_counts_the_hours_either_side_across_the_end_of_the_week()
    {
        var profile = new HourOfWeekProfile();
        profile.Learn(new DateTimeOffset(2026, 9, 12, 23, 40, 0, TimeSpan.Zero)); // Saturday 23:40
        profile.Learn(new DateTimeOffset(2026, 9, 9, 0, 10, 0, TimeSpan.Zero)); // Wednesday 00:10

        var sundayMidnight = new DateTimeOffset(2026, 9, 13, 0, 5, 0, TimeSpan.Zero);

        Assert.Equal((1L, 1L, 2L), (profile.Near(sundayMidnight), profile.SameHourAnyDay(sundayMidnight), profile.Total));
        Assert.Equal("Sunday 00:00", HourOfWeekProfile.Name(HourOfWeekProfile.Bucket(sundayMidnight)));
    }

    [Fact]
    public void Write_and_read_round_trip()
    {
        var profile = new HourOfWeekProfile();
        profile.Learn(new DateTimeOffset(2026, 9, 8, 10, 0, 0, TimeSpan.Zero));
        profile.Learn(new DateTimeOffset(2026, 9, 8, 10, 30, 0, TimeSpan.Zero));
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) profile.Write(writer);
        buffer.Position = 0;

        var read = HourOfWeekProfile.Read(new BinaryReader(buffer));

        Assert.Equal((2L, 2L), (read.Total, read[HourOfWeekProfile.Bucket(new DateTimeOffset(2026, 9, 8, 10, 0, 0, TimeSpan.Zero))]));
        Assert.Equal(2L, read.SameHourAnyDay(new DateTimeOffset(2026, 9, 10, 10, 59, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void The_bucket_is_the_day_of_week_and_hour_in_UTC_for_any_instant_and_offset()
    {
        var random = new Random(20261127);
        for (var i = 0; i < 10_000; i++)
        {
            var utc = new DateTime(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay), DateTimeKind.Utc);
            var at = new DateTimeOffset(utc).ToOffset(TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1)));

            Assert.Equal(((int)utc.DayOfWeek * 24) + utc.Hour, HourOfWeekProfile.Bucket(at));
        }
    }

    [Fact]
    public void Same_hour_any_day_sums_the_seven_days_at_that_hour_only()
    {
        var profile = new HourOfWeekProfile();
        for (var day = 7; day <= 13; day++) profile.Learn(new DateTimeOffset(2026, 9, day, 14, 5, 0, TimeSpan.Zero));
        profile.Learn(new DateTimeOffset(2026, 9, 8, 15, 0, 0, TimeSpan.Zero));
        profile.Learn(new DateTimeOffset(2026, 9, 8, 13, 59, 0, TimeSpan.Zero));

        Assert.Equal(7L, profile.SameHourAnyDay(new DateTimeOffset(2026, 9, 20, 14, 30, 0, TimeSpan.Zero)));
    }
}
