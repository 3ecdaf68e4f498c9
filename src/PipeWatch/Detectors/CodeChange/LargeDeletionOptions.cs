using PipeWatch.Configuration;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="LargeDeletionDetector"/> (<c>detectors.code-change.large-deletion</c> in pipewatch.yml).</summary>
internal sealed record LargeDeletionOptions
{
    /// <summary>Commits with line counts a repository must have before a deletion is compared with them.</summary>
    public int MinimumSamples { get; init; } = 20;

    /// <summary>Robust spreads (1.4826 × MAD) above the median a commit's or a file's deletions must be.</summary>
    public double Threshold { get; init; } = 6;

    /// <summary>The absolute floor: fewer deleted lines than this (in the commit, or in the file) are never reported.</summary>
    public int MinimumLines { get; init; } = 300;

    /// <summary>Its <c>detectors.code-change.large-deletion</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<LargeDeletionOptions>(
        "code-change.large-deletion",
        [
            Setting.MinimumSamples<LargeDeletionOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Number<LargeDeletionOptions>("threshold", 1, 1000, (o, v) => o with { Threshold = v }),
            Setting.Int<LargeDeletionOptions>("min-lines", 1, 10_000_000, (o, v) => o with { MinimumLines = v }),
        ]);
}
