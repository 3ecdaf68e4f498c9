namespace PipeWatch.Baselines;

/// <summary>The robust comparison every duration-like anomaly uses: how far an observation sits above a learned median.</summary>
/// <param name="Observed">The new value.</param>
/// <param name="Median">The baseline's median.</param>
/// <param name="Spread">The baseline's scaled MAD (1.4826 × MAD, a standard-deviation equivalent for normal data).</param>
/// <param name="Samples">How many observations the baseline holds.</param>
internal readonly record struct RobustScore(double Observed, double Median, double Spread, int Samples)
{
    /// <summary>Scale that makes the MAD consistent with a standard deviation for normally distributed data.</summary>
    public const double MadScale = 1.4826;

    /// <summary>Deviations above the median, in units of spread; a floor on the spread keeps perfectly steady baselines from alarming on noise.</summary>
    public double Z => (Observed - Median) / Spread;

    /// <summary>Observed ÷ median.</summary>
    public double Ratio => Median > 0 ? Observed / Median : double.PositiveInfinity;

    /// <summary>Scores an observation against a sample; the spread is floored at <paramref name="minimumSpread"/>.</summary>
    public static RobustScore Of(double observed, RollingSample baseline, double minimumSpread)
    {
        var spread = Math.Max(baseline.MedianAbsoluteDeviation() * MadScale, minimumSpread);
        return new RobustScore(observed, baseline.Median, spread, baseline.Count);
    }
}
