namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="LongDurationDetector"/> (<c>detectors.pipeline.long-duration</c> in pipewatch.yml).</summary>
public sealed record LongDurationOptions
{
    /// <summary>Runs a baseline must hold before it may fire.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Robust z: how many spreads (1.4826 × MAD) above the median an observation must be.</summary>
    public double Threshold { get; init; } = 4.0;

    /// <summary>And at least this many times the median.</summary>
    public double MinimumRatio { get; init; } = 1.5;

    /// <summary>And at least this much longer than the median, so seconds-long steps do not alarm on jitter.</summary>
    public TimeSpan MinimumIncrease { get; init; } = TimeSpan.FromSeconds(30);
}
