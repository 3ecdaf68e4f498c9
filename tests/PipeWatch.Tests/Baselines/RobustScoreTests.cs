using PipeWatch.Baselines;
using Xunit;

namespace PipeWatch.Tests.Baselines;

public sealed class RobustScoreTests
{
    [Fact]
    public void Z_is_the_distance_above_the_median_in_spreads()
    {
        var score = new RobustScore(Observed: 12, Median: 10, Spread: 0.5, Samples: 5);

        Assert.Equal(4, score.Z);
        Assert.Equal(1.2, score.Ratio);
    }

    [Fact]
    public void Z_is_negative_below_the_median()
    {
        var score = new RobustScore(Observed: 8, Median: 10, Spread: 4, Samples: 5);

        Assert.Equal(-0.5, score.Z);
        Assert.Equal(0.8, score.Ratio);
    }

    [Fact]
    public void Ratio_against_a_zero_median_is_infinite()
    {
        var score = new RobustScore(Observed: 3, Median: 0, Spread: 1, Samples: 5);

        Assert.Equal(double.PositiveInfinity, score.Ratio);
    }

    [Fact]
    public void Spread_is_the_scaled_mad_when_above_the_floor()
    {
        // Median 3, MAD 1 → spread 1.4826.
        var baseline = Sample(1, 2, 3, 4, 100);

        var score = RobustScore.Of(10, baseline, minimumSpread: 0.5);

        Assert.Equal(new RobustScore(10, 3, 1.4826, 5), score);
        Assert.Equal(7 / 1.4826, score.Z, 12);
        Assert.Equal(10.0 / 3, score.Ratio, 12);
    }

    [Fact]
    public void Steady_baseline_is_scored_against_the_floor_not_a_zero_spread()
    {
        // Every value 10: MAD 0, so without the floor Z would be infinite.
        var baseline = Sample(10, 10, 10, 10, 10, 10);

        var score = RobustScore.Of(16, baseline, minimumSpread: 2);

        Assert.Equal(2, score.Spread);
        Assert.Equal(3, score.Z);
        Assert.Equal(1.6, score.Ratio);
        Assert.Equal(6, score.Samples);
    }

    [Fact]
    public void Floor_wins_over_a_small_scaled_mad()
    {
        // Median 10, MAD 1 → scaled 1.4826, below the floor of 5.
        var baseline = Sample(9, 10, 11);

        var score = RobustScore.Of(20, baseline, minimumSpread: 5);

        Assert.Equal(5, score.Spread);
        Assert.Equal(2, score.Z);
    }

    private static RollingSample Sample(params double[] values)
    {
        var sample = new RollingSample();
        foreach (var value in values)
        {
            sample.Add(value);
        }

        return sample;
    }
}
