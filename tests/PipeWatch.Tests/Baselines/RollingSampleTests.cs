using PipeWatch.Baselines;
using Xunit;

namespace PipeWatch.Tests.Baselines;

public sealed class RollingSampleTests
{
    [Fact]
    public void Median_of_an_odd_count_is_the_middle_value()
    {
        var sample = With(5, 1, 3);

        Assert.Equal(3, sample.Median);
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_two_middle_values()
    {
        var sample = With(4, 1, 3, 2);

        Assert.Equal(2.5, sample.Median);
    }

    [Fact]
    public void Mad_of_an_odd_count_ignores_the_outlier()
    {
        // Median 3; deviations 2, 1, 0, 1, 97 → sorted 0, 1, 1, 2, 97 → MAD 1.
        var sample = With(1, 2, 3, 4, 100);

        Assert.Equal(1, sample.MedianAbsoluteDeviation());
    }

    [Fact]
    public void Mad_of_an_even_count_is_the_mean_of_the_two_middle_deviations()
    {
        // Median 3; deviations 2, 1, 1, 5 → sorted 1, 1, 2, 5 → MAD 1.5.
        var sample = With(1, 2, 4, 8);

        Assert.Equal(1.5, sample.MedianAbsoluteDeviation());
    }

    [Fact]
    public void Empty_sample_has_no_median_and_no_mad()
    {
        var sample = new RollingSample();

        Assert.Equal(0, sample.Count);
        Assert.True(double.IsNaN(sample.Median));
        Assert.True(double.IsNaN(sample.MedianAbsoluteDeviation()));
    }

    [Fact]
    public void Full_window_evicts_the_oldest_values()
    {
        var sample = new RollingSample(capacity: 5);
        foreach (var value in new double[] { 1, 2, 3, 4, 5, 6, 7 })
        {
            sample.Add(value);
        }

        // Window 3, 4, 5, 6, 7: median 5, deviations 2, 1, 0, 1, 2 → MAD 1.
        Assert.Equal(5, sample.Count);
        Assert.Equal(7, sample.TotalSeen);
        Assert.Equal(5, sample.Median);
        Assert.Equal(1, sample.MedianAbsoluteDeviation());
    }

    [Fact]
    public void Eviction_follows_arrival_order_not_sorted_order()
    {
        var sample = new RollingSample(capacity: 3);
        sample.Add(100);
        sample.Add(1);
        sample.Add(2);

        sample.Add(3);

        // 100 arrived first and leaves first: window 1, 2, 3.
        Assert.Equal(2, sample.Median);
        Assert.Equal(1, sample.MedianAbsoluteDeviation());
    }

    [Fact]
    public void Non_finite_values_are_ignored()
    {
        var sample = With(10, 20);

        sample.Add(double.NaN);
        sample.Add(double.PositiveInfinity);
        sample.Add(double.NegativeInfinity);

        Assert.Equal(2, sample.Count);
        Assert.Equal(2, sample.TotalSeen);
        Assert.Equal(15, sample.Median);
    }

    [Fact]
    public void Capacity_below_three_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RollingSample(capacity: 2));
    }

    [Fact]
    public void Round_trip_keeps_median_mad_total_seen_and_capacity()
    {
        var sample = new RollingSample(capacity: 5);
        foreach (var value in new double[] { 9, 1, 8, 2, 7, 3 })
        {
            sample.Add(value);
        }

        var copy = RoundTrip(sample);

        // Window 1, 8, 2, 7, 3 (9 left): sorted 1, 2, 3, 7, 8 → median 3; deviations 2, 1, 0, 4, 5 → MAD 2.
        Assert.Equal(5, copy.Capacity);
        Assert.Equal(5, copy.Count);
        Assert.Equal(6, copy.TotalSeen);
        Assert.Equal(3, copy.Median);
        Assert.Equal(2, copy.MedianAbsoluteDeviation());
    }

    [Fact]
    public void Round_trip_keeps_arrival_order_so_the_oldest_still_leaves_first()
    {
        var sample = new RollingSample(capacity: 5);
        foreach (var value in new double[] { 9, 1, 8, 2, 7, 3 })
        {
            sample.Add(value);
        }

        var copy = RoundTrip(sample);
        copy.Add(100);
        copy.Add(100);

        // 1 and 8 were the oldest: window 2, 7, 3, 100, 100 → median 7. (Sorted order would have evicted 1 and 2 → median 8.)
        Assert.Equal(7, copy.Median);
        Assert.Equal(8, copy.TotalSeen);
    }

    [Fact]
    public void Round_trip_of_a_partly_filled_window_keeps_its_values()
    {
        var copy = RoundTrip(With(4, 2));

        Assert.Equal(2, copy.Count);
        Assert.Equal(2, copy.TotalSeen);
        Assert.Equal(3, copy.Median);
        Assert.Equal(RollingSample.DefaultCapacity, copy.Capacity);
    }

    private static RollingSample With(params double[] values)
    {
        var sample = new RollingSample();
        foreach (var value in values)
        {
            sample.Add(value);
        }

        return sample;
    }

    private static RollingSample RoundTrip(RollingSample sample)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            sample.Write(writer);
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        var copy = RollingSample.Read(reader);
        Assert.Equal(buffer.Length, buffer.Position);
        return copy;
    }
}
