using PipeWatch.Baselines;
using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="UnexpectedFailureDetector"/> (<c>detectors.pipeline.unexpected-failure</c>).</summary>
internal sealed record UnexpectedFailureOptions
{
    /// <summary>Outcomes a step or job must have before its failure may be reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Highest failure rate that still counts as "nearly always passes"; above it the step is flaky and stays quiet.</summary>
    public double MaximumFailureRate { get; init; } = 0.05;

    /// <summary>Its <c>detectors.pipeline.unexpected-failure</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<UnexpectedFailureOptions>(
        "pipeline.unexpected-failure",
        [
            // Its outcome window holds 64 runs: a larger minimum could never be met.
            Setting.MinimumSamples<UnexpectedFailureOptions>((o, v) => o with { MinimumSamples = v }, OutcomeHistory.Capacity),
            Setting.Number<UnexpectedFailureOptions>("max-failure-rate", 0, 1, (o, v) => o with { MaximumFailureRate = v }),
        ]);
}
