using System.Net.Http.Headers;
using System.Text.Json;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.Ocsf;

/// <summary>OCSF Detection Findings (<see cref="OcsfFormat"/>): appended to a file as JSON Lines, or POSTed to an intake as a JSON array.</summary>
internal sealed class OcsfSink : IAlertTransport
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly string? _file;
    private readonly Uri? _url;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly RouteContext _context;
    private readonly HttpClient? _http;

    public OcsfSink(OcsfSinkOptions options, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(route);
        _context = context ?? throw new ArgumentNullException(nameof(context));
        if (options.File is { } file) _file = Path.GetFullPath(context.Resolve(file, route.Name, "file"), context.WorkingDirectory ?? Directory.GetCurrentDirectory());
        if (options.Url is { } url)
        {
            _url = Routes.HttpUrl(context.Resolve(url, route.Name, "url"), route.Name, "url");
            _http = HttpDelivery.CreateClient();
        }

        _headers = [.. options.Headers.Select(h => KeyValuePair.Create(h.Key, context.Resolve(h.Value, route.Name, $"headers.{h.Key}")))];
    }

    public async ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        if (_file is not null)
        {
            var lines = Lines(batch);
            try
            {
                await using var stream = new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.Read);
                await stream.WriteAsync(lines, cancellationToken).ConfigureAwait(false);
                return DeliveryResult.Delivered;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return DeliveryResult.Retry($"{_file}: cannot write ({ex.Message})");
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(Array(batch)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in _headers) request.Headers.TryAddWithoutValidation(name, value);
        return await HttpDelivery.SendAsync(_http!, request, _context.Time, cancellationToken).ConfigureAwait(false);
    }

    private byte[] Lines(IReadOnlyList<Alert> batch)
    {
        using var stream = new MemoryStream();
        foreach (var alert in batch)
        {
            using (var w = new Utf8JsonWriter(stream, WriterOptions))
            {
                OcsfFormat.Write(w, alert, _context.Version);
            }

            stream.WriteByte((byte)'\n');
        }

        return stream.ToArray();
    }

    private byte[] Array(IReadOnlyList<Alert> batch)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, WriterOptions))
        {
            w.WriteStartArray();
            foreach (var alert in batch) OcsfFormat.Write(w, alert, _context.Version);
            w.WriteEndArray();
        }

        return stream.ToArray();
    }
}
