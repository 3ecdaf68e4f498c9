using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;
using PipeWatch.Sinks.Webhook;

namespace PipeWatch.Sinks.Splunk;

/// <summary>Splunk HTTP Event Collector: each batch POSTed to <c>/services/collector/event</c> as concatenated event objects, <c>Authorization: Splunk &lt;token&gt;</c>.</summary>
/// <remarks>Each event is <c>{"time":&lt;epoch seconds&gt;,"host":…,"source":…,"sourcetype":…,"index":…,"event":{"finding":{…},"incident":{…}}}</c>; HEC answers <c>{"text":"Success","code":0}</c>.</remarks>
internal sealed class SplunkHecSink : IAlertTransport
{
    private readonly Uri _url;
    private readonly string _token;
    private readonly string? _channel;
    private readonly SplunkHecSinkOptions _options;
    private readonly RouteContext _context;
    private readonly HttpClient _http = HttpDelivery.CreateClient();

    public SplunkHecSink(SplunkHecSinkOptions options, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(route);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _context = context ?? throw new ArgumentNullException(nameof(context));
        var baseUrl = context.Resolve(options.Url, route.Name, "url").TrimEnd('/');
        _url = Routes.HttpUrl(baseUrl.EndsWith("/services/collector/event", StringComparison.Ordinal) ? baseUrl : baseUrl + "/services/collector/event", route.Name, "url");
        _token = context.Resolve(options.Token, route.Name, "token");
        _channel = context.ResolveOptional(options.Channel, route.Name, "channel");
    }

    public async ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(Body(batch)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Splunk", _token);
        if (_channel is not null) request.Headers.Add("X-Splunk-Request-Channel", _channel);
        return await HttpDelivery.SendAsync(_http, request, _context.Time, cancellationToken).ConfigureAwait(false);
    }

    private byte[] Body(IReadOnlyList<Alert> batch)
    {
        using var stream = new MemoryStream();
        foreach (var alert in batch)
        {
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteNumber("time", decimal.Parse((alert.Finding.Timestamp.ToUnixTimeMilliseconds() / 1000m).ToString("0.000", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                if (_options.Host is { } host) w.WriteString("host", host);
                w.WriteString("source", _options.Source);
                w.WriteString("sourcetype", _options.Sourcetype);
                if (_options.Index is { } index) w.WriteString("index", index);
                w.WritePropertyName("event");
                WebhookPayload.WriteAlert(w, alert);
                w.WriteEndObject();
            }

            stream.WriteByte((byte)'\n');
        }

        return stream.ToArray();
    }
}
