using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="LongDurationDetector"/> (<c>detectors.pipeline.long-duration</c> in pipewatch.yml).</summary>
internal sealed record LongDurationOptions
{
    /// <summary>Runs a baseline must hold before it may fire.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Robust z: how many spreads (1.4826 × MAD) above the median an observation must be.</summary>
    public double Threshold { get; init; } = 4.0;

    /// <summary>And at least this many times the median.</summary>
    public double MinimumRatio { get; init; } = 1.5;

    /// <summary>And at least this much longer than the median, so seconds-long steps do not alarm on jitter.</summary>
    public TimeSpan MinimumIncrease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Its <c>detectors.pipeline.long-duration</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<LongDurationOptions>(
        "pipeline.long-duration",
        [
            Setting.MinimumSamples<LongDurationOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Number<LongDurationOptions>("threshold", 0.5, 1000, (o, v) => o with { Threshold = v }),
            Setting.Number<LongDurationOptions>("min-ratio", 1, 1000, (o, v) => o with { MinimumRatio = v }),
            Setting.Duration<LongDurationOptions>("min-increase", (o, v) => o with { MinimumIncrease = v }),
        ]);
}
