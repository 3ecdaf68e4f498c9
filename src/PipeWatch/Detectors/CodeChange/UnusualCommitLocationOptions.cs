namespace PipeWatch.Detectors.CodeChange;

/// <summary>Settings of <see cref="UnusualCommitLocationDetector"/> (<c>detectors.code-change.unusual-location</c> in pipewatch.yml).</summary>
public sealed record UnusualCommitLocationOptions
{
    /// <summary>Commits (for UTC offsets) or pushes with a location (for countries) an actor must have before a new one is reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Minutes an offset may differ from a known one and still count as known (60: a daylight-saving shift is not a new place).</summary>
    public int OffsetTolerance { get; init; } = 60;

    /// <summary>Globs of machine identities, which are skipped.</summary>
    public IReadOnlyList<string> Bots { get; init; } = [];
}
