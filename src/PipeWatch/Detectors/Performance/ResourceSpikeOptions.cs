using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Performance;

/// <summary>Settings of <see cref="ResourceSpikeDetector"/> (<c>detectors.performance.resource-spike</c> in pipewatch.yml).</summary>
internal sealed record ResourceSpikeOptions
{
    /// <summary>Runs of a step a metric's baseline must hold before it may fire.</summary>
    public int MinimumSamples { get; init; } = 5;

    /// <summary>Robust z: spreads (1.4826 × MAD) above the median.</summary>
    public double Threshold { get; init; } = 4.0;

    /// <summary>And at least this many times the median.</summary>
    public double MinimumRatio { get; init; } = 1.5;

    /// <summary>And at least this many more CPU-seconds than the median.</summary>
    public double MinimumCpuIncreaseSeconds { get; init; } = 10;

    /// <summary>And at least this many more bytes of peak memory.</summary>
    public long MinimumMemoryIncreaseBytes { get; init; } = 256L << 20;

    /// <summary>And at least this many more bytes sent.</summary>
    public long MinimumSentIncreaseBytes { get; init; } = 50L << 20;

    /// <summary>And at least this much longer.</summary>
    public TimeSpan MinimumDurationIncrease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Seconds of every core near-fully busy that, with a connection to a mining-pool port in the same run, make the miner finding.</summary>
    public double SustainedBusySeconds { get; init; } = 60;

    /// <summary>Its <c>detectors.performance.resource-spike</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<ResourceSpikeOptions>(
        "performance.resource-spike",
        [
            Setting.MinimumSamples<ResourceSpikeOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Number<ResourceSpikeOptions>("threshold", 0.5, 1000, (o, v) => o with { Threshold = v }),
            Setting.Number<ResourceSpikeOptions>("min-ratio", 1, 1000, (o, v) => o with { MinimumRatio = v }),
            Setting.Number<ResourceSpikeOptions>("min-cpu-increase", 0, 1_000_000, (o, v) => o with { MinimumCpuIncreaseSeconds = v }),
            Setting.Int<ResourceSpikeOptions>("min-memory-increase-mib", 0, 1_048_576, (o, v) => o with { MinimumMemoryIncreaseBytes = (long)v << 20 }),
            Setting.Int<ResourceSpikeOptions>("min-sent-increase-mib", 0, 1_048_576, (o, v) => o with { MinimumSentIncreaseBytes = (long)v << 20 }),
            Setting.Duration<ResourceSpikeOptions>("min-duration-increase", (o, v) => o with { MinimumDurationIncrease = v }),
            Setting.Number<ResourceSpikeOptions>("sustained-busy-seconds", 1, 1_000_000, (o, v) => o with { SustainedBusySeconds = v }),
        ]);
}
