using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Access;

/// <summary>Settings of <see cref="SuspiciousLoginDetector"/> (<c>detectors.access.suspicious-login</c>).</summary>
internal sealed record SuspiciousLoginOptions
{
    /// <summary>Failed logins or token failures by one actor within <see cref="FailureWindow"/> that make a burst.</summary>
    public int FailureBurst { get; init; } = 5;

    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Located events an actor needs before a new country, IP or token is reported.</summary>
    public int MinimumSamples { get; init; } = 20;

    /// <summary>Report a first-seen IP address in a known country (low severity).</summary>
    public bool ReportNewIp { get; init; } = true;

    /// <summary>Travel faster than this between two countries' centroids is impossible (a jet cruises at ~900 km/h).</summary>
    public double MaximumSpeedKmh { get; init; } = 900;

    /// <summary>Centroids closer than this are never impossible travel (neighbours, VPN exits next door).</summary>
    public double MinimumDistanceKm { get; init; } = 500;

    /// <summary>Events an actor needs in the hour-of-week profile before an unusual hour is reported.</summary>
    public int MinimumHourSamples { get; init; } = 50;

    /// <summary>An hour of day holding less than this share of an actor's events, with no event in the same weekday ±1 hour, is unusual.</summary>
    public double MaximumHourShare { get; init; } = 0.01;

    /// <summary>Its <c>detectors.access.suspicious-login</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<SuspiciousLoginOptions>(
        "access.suspicious-login",
        [
            Setting.Int<SuspiciousLoginOptions>("failure-burst", 2, 10_000, (o, v) => o with { FailureBurst = v }),
            Setting.Duration<SuspiciousLoginOptions>("failure-window", (o, v) => o with { FailureWindow = v }),
            Setting.MinimumSamples<SuspiciousLoginOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Bool<SuspiciousLoginOptions>("report-new-ip", (o, v) => o with { ReportNewIp = v }),
            Setting.Number<SuspiciousLoginOptions>("max-speed-kmh", 100, 100_000, (o, v) => o with { MaximumSpeedKmh = v }),
            Setting.Number<SuspiciousLoginOptions>("min-distance-km", 0, 20_000, (o, v) => o with { MinimumDistanceKm = v }),
            Setting.Int<SuspiciousLoginOptions>("min-hour-samples", 1, 1_000_000, (o, v) => o with { MinimumHourSamples = v }),
            Setting.Number<SuspiciousLoginOptions>("max-hour-share", 0, 1, (o, v) => o with { MaximumHourShare = v }),
        ]);
}
