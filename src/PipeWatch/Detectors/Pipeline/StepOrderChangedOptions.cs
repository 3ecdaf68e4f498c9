using PipeWatch.Configuration;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="StepOrderChangedDetector"/> (<c>detectors.pipeline.step-order-changed</c>).</summary>
internal sealed record StepOrderChangedOptions
{
    /// <summary>Runs of a job to learn from before a changed sequence may be reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>A new sequence seen this many runs in a row becomes the learned one (the change was intended).</summary>
    public int AdoptAfter { get; init; } = 3;

    /// <summary>Its <c>detectors.pipeline.step-order-changed</c> section of pipewatch.yml: the keys and how each is read.</summary>
    internal static DetectorSection Section { get; } = DetectorSection.For<StepOrderChangedOptions>(
        "pipeline.step-order-changed",
        [
            Setting.MinimumSamples<StepOrderChangedOptions>((o, v) => o with { MinimumSamples = v }),
            Setting.Int<StepOrderChangedOptions>("adopt-after", 1, 1000, (o, v) => o with { AdoptAfter = v }),
        ]);
}
