using System.Security.Cryptography;
using System.Text;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.Webhook;

/// <summary>The generic webhook: each batch POSTed as one versioned JSON body (<see cref="WebhookPayload"/>), signed with HMAC-SHA256 when a secret is set.</summary>
internal sealed class WebhookSink : IAlertTransport
{
    public const string SignatureHeader = "X-PipeWatch-Signature-256";

    /// <summary>The batch's delivery id, the same each time these alerts are sent on this route (<see cref="WebhookPayload.BatchId"/>).</summary>
    public const string DeliveryHeader = "X-PipeWatch-Delivery";
    private readonly Uri _url;
    private readonly byte[]? _secret;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly string _route;
    private readonly RouteContext _context;
    private readonly HttpClient _http = HttpDelivery.CreateClient();

    public WebhookSink(WebhookSinkOptions options, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(context);
        _route = route.Name;
        _context = context;
        _url = Routes.HttpUrl(context.Resolve(options.Url, route.Name, "url"), route.Name, "url");
        _secret = options.Secret is null ? null : Encoding.UTF8.GetBytes(context.Resolve(options.Secret, route.Name, "secret"));
        _headers = [.. options.Headers.Select(h => KeyValuePair.Create(h.Key, context.Resolve(h.Value, route.Name, $"headers.{h.Key}")))];
    }

    /// <summary>The signature header's value for <paramref name="body"/>: <c>sha256=</c> and the lower-case hex HMAC-SHA256.</summary>
    public static string Signature(byte[] secret, ReadOnlySpan<byte> body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    public async ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        var body = WebhookPayload.Write(_route, batch, _context.Time.GetUtcNow());
        using var request = HttpDelivery.JsonPost(_url, body);
        request.Headers.UserAgent.ParseAdd($"PipeWatch/{_context.Version}");
        request.Headers.Add("X-PipeWatch-Event", "alert");
        request.Headers.Add(DeliveryHeader, WebhookPayload.BatchId(_route, batch));
        if (_secret is not null) request.Headers.Add(SignatureHeader, Signature(_secret, body));
        foreach (var (name, value) in _headers) request.Headers.TryAddWithoutValidation(name, value);
        return await HttpDelivery.SendAsync(_http, request, _context.Time, cancellationToken).ConfigureAwait(false);
    }
}
