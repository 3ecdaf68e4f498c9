namespace PipeWatch.Sinks;

/// <summary>Sends committed findings somewhere: a file format, a terminal, a remote system.</summary>
/// <remarks>
/// The engine hands each committed batch, as alerts, to every sink through its own <see cref="IsolatedSink"/> queue: calls to
/// one sink are in order and never concurrent, and <see cref="CompleteAsync"/> is called exactly once at the end (where
/// whole-document formats write). A sink sees only findings already durable in the store. A failure is returned as a
/// <see cref="SinkResult"/>, not thrown; exceptions are caught at the isolation boundary all the same, so one failing or
/// hanging sink never stops another, nor detection.
/// </remarks>
public interface IFindingSink
{
    ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken);

    ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>Whether a sink accepted a batch, and why not.</summary>
public readonly record struct SinkResult(bool Succeeded, string? Error = null)
{
    public static SinkResult Ok { get; } = new(true);

    public static SinkResult Failed(string error) => new(false, error);
}
