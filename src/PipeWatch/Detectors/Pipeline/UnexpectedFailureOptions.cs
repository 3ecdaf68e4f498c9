namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="UnexpectedFailureDetector"/> (<c>detectors.pipeline.unexpected-failure</c>).</summary>
public sealed record UnexpectedFailureOptions
{
    /// <summary>Outcomes a step or job must have before its failure may be reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>Highest failure rate that still counts as "nearly always passes"; above it the step is flaky and stays quiet.</summary>
    public double MaximumFailureRate { get; init; } = 0.05;
}
