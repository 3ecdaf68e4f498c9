namespace PipeWatch.Detectors.Pipeline;

/// <summary>Settings of <see cref="RepeatedFailuresDetector"/> (<c>detectors.pipeline.repeated-failures</c>).</summary>
public sealed record RepeatedFailuresOptions
{
    /// <summary>Failed runs in a row that make a streak worth a look.</summary>
    public int Streak { get; init; } = 3;
}
