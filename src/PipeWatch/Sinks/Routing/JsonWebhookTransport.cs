using PipeWatch.Sinks.Batching;

namespace PipeWatch.Sinks.Routing;

/// <summary>
/// A transport that POSTs one JSON message a batch to a webhook URL taken from a route's <c>url</c> setting (Slack's incoming
/// webhooks, Teams' Workflows trigger): the URL resolved and checked once, the message made by <see cref="Body"/>.
/// </summary>
internal abstract class JsonWebhookTransport : IAlertTransport
{
    private readonly Uri _url;
    private readonly RouteContext _context;
    private readonly HttpClient _http = HttpDelivery.CreateClient();

    protected JsonWebhookTransport(string url, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(route);
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _url = Routes.HttpUrl(context.Resolve(url, route.Name, "url"), route.Name, "url");
    }

    public ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken) =>
        HttpDelivery.PostJsonAsync(_http, _url, Body(batch, _context.PublicUrl), _context.Time, cancellationToken);

    /// <summary>The message for <paramref name="batch"/>; <paramref name="publicUrl"/> is where findings' pages are, or null.</summary>
    protected abstract byte[] Body(IReadOnlyList<Alert> batch, string? publicUrl);
}
