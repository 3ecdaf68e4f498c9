namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Where the agent's lines go: a JSON Lines file, <c>serve</c>'s <c>/ingest</c>.</summary>
/// <remarks>Called from one writer task, never concurrently. Failure is a return value (a reason), not an exception; the session reports it and goes on.</remarks>
public interface IAgentOutput : IAsyncDisposable
{
    /// <summary>Writes a batch of lines (JSON, without newlines); null when written, else why not.</summary>
    ValueTask<string?> WriteAsync(IReadOnlyList<byte[]> lines, CancellationToken cancellationToken);
}
