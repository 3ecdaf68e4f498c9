namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="StepOrderChangedDetector"/> (<c>detectors.pipeline.step-order-changed</c>).</summary>
public sealed record StepOrderChangedOptions
{
    /// <summary>Runs of a job to learn from before a changed sequence may be reported.</summary>
    public int MinimumSamples { get; init; } = 10;

    /// <summary>A new sequence seen this many runs in a row becomes the learned one (the change was intended).</summary>
    public int AdoptAfter { get; init; } = 3;
}
