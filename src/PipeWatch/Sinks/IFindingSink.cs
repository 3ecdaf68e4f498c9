using PipeWatch.Findings;

namespace PipeWatch.Sinks;

/// <summary>Sends new findings somewhere: a file format, a terminal, a remote system.</summary>
/// <remarks>
/// The engine calls <see cref="EmitAsync"/> with each committed batch of new findings, in order, never concurrently,
/// and <see cref="CompleteAsync"/> exactly once at the end (where whole-document formats write). A failure is returned
/// as a <see cref="SinkResult"/>, not thrown; the engine also catches exceptions so one failing sink never stops another.
/// </remarks>
public interface IFindingSink
{
    ValueTask<SinkResult> EmitAsync(IReadOnlyList<Finding> batch, CancellationToken cancellationToken);

    ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>Whether a sink accepted a batch, and why not.</summary>
public readonly record struct SinkResult(bool Succeeded, string? Error = null)
{
    public static SinkResult Ok { get; } = new(true);

    public static SinkResult Failed(string error) => new(false, error);
}
