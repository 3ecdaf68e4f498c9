namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Appends the agent's lines to a JSON Lines file (<c>pipewatch agent --events FILE</c>), which <c>pipewatch ingest FILE</c> reads.</summary>
/// <remarks>Appends, so the steps of a job can share one file; each batch is flushed to the file before the next.</remarks>
public sealed class AgentFileOutput : IAgentOutput
{
    private readonly FileStream _stream;

    public AgentFileOutput(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
    }

    public string Path { get; }

    public async ValueTask<string?> WriteAsync(IReadOnlyList<byte[]> lines, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var line in lines)
            {
                await _stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                _stream.WriteByte((byte)'\n');
            }

            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (IOException ex)
        {
            return $"{Path}: {ex.Message}";
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
