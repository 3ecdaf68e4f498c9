using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.Elastic;

/// <summary>Elasticsearch or OpenSearch <c>_bulk</c>: each batch as NDJSON pairs, <c>{"create":{"_index":…,"_id":fingerprint}}</c> then the ECS document (<see cref="EcsFormat"/>).</summary>
/// <remarks>
/// <c>create</c> is the one operation a data stream takes; the fingerprint as <c>_id</c> makes a resend idempotent (a 409 for a
/// document already there counts as delivered). <c>_bulk</c> answers 200 even when items fail: the items are read, and a 429 or 5xx
/// item retries the batch, any other failure rejects it with the first item's reason.
/// </remarks>
internal sealed class ElasticsearchSink : IAlertTransport
{
    private readonly Uri _url;
    private readonly string _index;
    private readonly AuthenticationHeaderValue? _auth;
    private readonly RouteContext _context;
    private readonly HttpClient _http = HttpDelivery.CreateClient();

    public ElasticsearchSink(ElasticsearchSinkOptions options, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(route);
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _url = Routes.HttpUrl(context.Resolve(options.Url, route.Name, "url").TrimEnd('/') + "/_bulk", route.Name, "url");
        _index = options.Index;
        if (options.ApiKey is { } key) _auth = new AuthenticationHeaderValue("ApiKey", context.Resolve(key, route.Name, "api-key"));
        else if (options.Username is { } user)
        {
            var pair = $"{context.Resolve(user, route.Name, "username")}:{context.Resolve(options.Password!, route.Name, "password")}";
            _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
    }

    public async ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(Body(batch)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        request.Headers.Authorization = _auth;
        return await HttpDelivery.SendAsync(_http, request, _context.Time, cancellationToken, ReadItems).ConfigureAwait(false);
    }

    private byte[] Body(IReadOnlyList<Alert> batch)
    {
        using var stream = new MemoryStream();
        foreach (var alert in batch)
        {
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteStartObject("create");
                w.WriteString("_index", _index);
                w.WriteString("_id", alert.Finding.Fingerprint);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            stream.WriteByte((byte)'\n');
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                EcsFormat.Write(w, alert, _context.Version);
            }

            stream.WriteByte((byte)'\n');
        }

        return stream.ToArray();
    }

    // A 200 whose "errors" is true: which items failed, and whether trying again can help.
    private static DeliveryResult? ReadItems(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("errors", out var errors) || !errors.GetBoolean()) return null;
            var retry = false;
            string? reason = null;
            foreach (var item in json.RootElement.GetProperty("items").EnumerateArray())
            {
                var result = item.EnumerateObject().First().Value;
                var status = result.GetProperty("status").GetInt32();
                if (status is < 300 or 409) continue;
                if (status == 429 || status >= 500) retry = true;
                reason ??= result.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("reason", out var r)
                    ? $"item status {status}: {r.GetString()}"
                    : $"item status {status}";
            }

            if (reason is null) return null;
            return retry ? DeliveryResult.Retry($"_bulk: {reason}") : DeliveryResult.Rejected($"_bulk: {reason}");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return DeliveryResult.Rejected($"_bulk: unreadable answer ({ex.Message})");
        }
    }
}
