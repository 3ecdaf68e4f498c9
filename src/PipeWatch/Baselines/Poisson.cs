namespace PipeWatch.Baselines;

/// <summary>The Poisson count model the rate detectors share: how many events in an interval are still plausible at a mean rate.</summary>
internal static class Poisson
{
    /// <summary>The smallest k with P(X ≤ k) ≥ 1 − <paramref name="probability"/> for X ~ Poisson(<paramref name="mean"/>): counts above it happen less often than <paramref name="probability"/>.</summary>
    public static int UpperBound(double mean, double probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mean);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(probability);
        // exp(−mean) underflows for large means, where the normal approximation is good anyway.
        if (mean > 400) return (int)Math.Ceiling(mean + 4 * Math.Sqrt(mean));
        var term = Math.Exp(-mean);
        var cumulative = term;
        var k = 0;
        while (cumulative < 1 - probability && k < 100_000)
        {
            k++;
            term *= mean / k;
            cumulative += term;
        }

        return k;
    }
}
