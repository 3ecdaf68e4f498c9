using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="RepeatedFailuresDetector"/> (<c>detectors.pipeline.repeated-failures</c>).</summary>
internal sealed record RepeatedFailuresOptions
{
    /// <summary>Failed runs in a row that make a streak worth a look.</summary>
    public int Streak { get; init; } = 3;

    /// <summary>Its <c>detectors.pipeline.repeated-failures</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<RepeatedFailuresOptions>(
        "pipeline.repeated-failures",
        [
            Setting.Int<RepeatedFailuresOptions>("streak", 2, 1000, (o, v) => o with { Streak = v }),
        ]);
}
