using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Deployment;

/// <summary>Settings of <see cref="ExcessiveFrequencyDetector"/> (<c>detectors.deployment.excessive-frequency</c> in pipewatch.yml).</summary>
internal sealed record ExcessiveFrequencyOptions
{
    /// <summary>Weeks of hourly counts kept per repository and environment.</summary>
    public int Weeks { get; init; } = 8;

    /// <summary>Weeks of history a key needs before its hourly rate may fire.</summary>
    public int MinimumWeeks { get; init; } = 3;

    /// <summary>Fewer deployments than this in an hour never fire the hourly rule, however quiet the hour usually is.</summary>
    public int MinimumCount { get; init; } = 4;

    /// <summary>How unlikely (Poisson, at the hour-of-week mean) the hour's count must be.</summary>
    public double Probability { get; init; } = 0.001;

    /// <summary>The burst rule: this many deployments…</summary>
    public int BurstCount { get; init; } = 5;

    /// <summary>…within this window fire regardless of history.</summary>
    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Its <c>detectors.deployment.excessive-frequency</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<ExcessiveFrequencyOptions>(
        "deployment.excessive-frequency",
        [
            Setting.Int<ExcessiveFrequencyOptions>("weeks", 1, HourlyDeployCounts.MaximumWeeks - 1, (o, v) => o with { Weeks = v }),
            Setting.Int<ExcessiveFrequencyOptions>("min-weeks", 1, HourlyDeployCounts.MaximumWeeks - 1, (o, v) => o with { MinimumWeeks = v }),
            Setting.Int<ExcessiveFrequencyOptions>("min-count", 1, 10_000, (o, v) => o with { MinimumCount = v }),
            Setting.Number<ExcessiveFrequencyOptions>("probability", 1e-9, 0.5, (o, v) => o with { Probability = v }),
            Setting.Int<ExcessiveFrequencyOptions>("burst-count", 2, 1000, (o, v) => o with { BurstCount = v }),
            Setting.Duration<ExcessiveFrequencyOptions>("burst-window", (o, v) => o with { BurstWindow = v }),
        ],
        o => o.MinimumWeeks > o.Weeks
            ? $"min-weeks ({o.MinimumWeeks}) cannot exceed weeks ({o.Weeks}): the hourly rule could never fire"
            : null);
}
