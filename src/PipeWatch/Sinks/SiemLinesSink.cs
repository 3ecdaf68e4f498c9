using System.Text;
using System.Text.Json;
using PipeWatch.Sinks.Elastic;
using PipeWatch.Sinks.Ocsf;
using PipeWatch.Sinks.Syslog;

namespace PipeWatch.Sinks;

/// <summary>Writes each alert as one line in a SIEM's format, for exports without a server: ECS or OCSF JSON Lines, or CEF lines.</summary>
public sealed class SiemLinesSink : IFindingSink
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly TextWriter _output;
    private readonly Func<Alert, string> _line;
    private readonly bool _ownsOutput;

    private SiemLinesSink(TextWriter output, Func<Alert, string> line, bool ownsOutput)
    {
        _output = output;
        _line = line;
        _ownsOutput = ownsOutput;
    }

    /// <summary>The formats this sink writes, as <c>--format</c> names them.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["ecs", "ocsf", "cef"];

    /// <param name="format">One of <see cref="Formats"/>.</param>
    public static SiemLinesSink Create(string format, TextWriter output, string productVersion, bool ownsOutput = false) => format switch
    {
        "ecs" => new(output, a => Json(w => EcsFormat.Write(w, a, productVersion)), ownsOutput),
        "ocsf" => new(output, a => Json(w => OcsfFormat.Write(w, a, productVersion)), ownsOutput),
        "cef" => new(output, a => CefFormat.Line(a, productVersion), ownsOutput),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "expected ecs, ocsf or cef"),
    };

    public async ValueTask<SinkResult> EmitAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var alert in batch) text.Append(_line(alert)).Append('\n');
        await _output.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return SinkResult.Ok;
    }

    public async ValueTask<SinkResult> CompleteAsync(CancellationToken cancellationToken)
    {
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_ownsOutput) await _output.DisposeAsync().ConfigureAwait(false);
        return SinkResult.Ok;
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
