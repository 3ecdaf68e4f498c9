using PipeWatch.Configuration;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="UnusualCommitTimeDetector"/> (<c>detectors.code-change.unusual-time</c> in pipewatch.yml).</summary>
internal sealed record UnusualCommitTimeOptions
{
    /// <summary>Commits an author must have before one at an unusual hour is reported.</summary>
    public int MinimumSamples { get; init; } = 20;

    /// <summary>Hours either side of the commit's local hour of the week that count as near it.</summary>
    public int HourWindow { get; init; } = 1;

    /// <summary>A commit is at an unusual hour when at most this share of the author's commits fell near it (0: none did).</summary>
    public double MaximumHourShare { get; init; }

    /// <summary>Hours, around the clock, between the commit's hour and the nearest hour the author (or repository) was ever active at, at least.</summary>
    public int MinimumHourDistance { get; init; } = 3;

    /// <summary>The smoothed hour-of-day model must expect at most this share of the activity within the commit's hour.</summary>
    public double MaximumModelShare { get; init; } = 0.02;

    /// <summary>Globs of machine identities, which commit at any hour and are skipped.</summary>
    public IReadOnlyList<string> Bots { get; init; } = [];

    /// <summary>Its <c>detectors.code-change.unusual-time</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnusualCommitTimeOptions>(
        "code-change.unusual-time",
        [
            Setting.MinimumSamples<UnusualCommitTimeOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Int<UnusualCommitTimeOptions>("hour-window", 0, 12, (o, v) => o with { HourWindow = v }),
            Setting.Number<UnusualCommitTimeOptions>("max-hour-share", 0, 1, (o, v) => o with { MaximumHourShare = v }),
            Setting.Int<UnusualCommitTimeOptions>("min-hour-distance", 0, 12, (o, v) => o with { MinimumHourDistance = v }),
            Setting.Number<UnusualCommitTimeOptions>("max-model-share", 0, 1, (o, v) => o with { MaximumModelShare = v }),
            Setting.Strings<UnusualCommitTimeOptions>("bots", (o, v) => o with { Bots = v }),
        ]);
}
