using System.Buffers;
using System.Text;
using System.Text.Json;
using PipeWatch.Findings;

namespace PipeWatch.Sinks;

/// <summary>Writes each finding as one JSON object per line (JSON Lines), in the contract shape of <see cref="FindingJson"/>.</summary>
public sealed class JsonLinesSink : IFindingSink
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly TextWriter _output;
    private readonly bool _ownsOutput;

    /// <param name="output">Where lines go; flushed after each batch.</param>
    /// <param name="ownsOutput">Dispose <paramref name="output"/> on completion.</param>
    public JsonLinesSink(TextWriter output, bool ownsOutput = false)
    {
        _output = output;
        _ownsOutput = ownsOutput;
    }

    public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            foreach (var alert in batch)
            {
                FindingJson.Write(writer, alert.Finding);
                writer.Flush();
                writer.Reset();
                buffer.Write("\n"u8);
            }
        }

        await _output.WriteAsync(Encoding.UTF8.GetString(buffer.WrittenSpan).AsMemory(), cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return SinkResult.Ok;
    }

    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_ownsOutput) await _output.DisposeAsync().ConfigureAwait(false);
        return SinkResult.Ok;
    }
}
