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
    }
}
