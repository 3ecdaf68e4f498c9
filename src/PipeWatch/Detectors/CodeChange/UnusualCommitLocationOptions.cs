using PipeWatch.Configuration;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="UnusualCommitLocationDetector"/> (<c>detectors.code-change.unusual-location</c> in pipewatch.yml).</summary>
internal sealed record UnusualCommitLocationOptions
{
    /// <summary>Commits (for UTC offsets) or pushes with a location (for countries) an actor must have before a new one is reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Minutes an offset may differ from a known one and still count as known (60: a daylight-saving shift is not a new place).</summary>
    public int OffsetTolerance { get; init; } = 60;

    /// <summary>Globs of machine identities, which are skipped.</summary>
    public IReadOnlyList<string> Bots { get; init; } = [];

    /// <summary>Its <c>detectors.code-change.unusual-location</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnusualCommitLocationOptions>(
        "code-change.unusual-location",
        [
            Setting.MinimumSamples<UnusualCommitLocationOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Int<UnusualCommitLocationOptions>("offset-tolerance", 0, 720, (o, v) => o with { OffsetTolerance = v }),
            Setting.Strings<UnusualCommitLocationOptions>("bots", (o, v) => o with { Bots = v }),
        ]);
}
