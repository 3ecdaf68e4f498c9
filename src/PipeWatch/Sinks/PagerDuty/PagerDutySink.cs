using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using PipeWatch.Findings;
using PipeWatch.Sinks.Batching;
using PipeWatch.Sinks.Routing;

namespace PipeWatch.Sinks.PagerDuty;

/// <summary>PagerDuty Events API v2: one <c>trigger</c> event per alert, <see cref="ResolveAsync"/> sends the <c>resolve</c> with the same <c>dedup_key</c>.</summary>
/// <remarks>
/// The <c>dedup_key</c> is the finding's fingerprint, or its incident's id on a route grouped by incident (PagerDuty then keeps one
/// incident and adds each later finding to it). <c>payload.severity</c> maps critical→critical, high→error, medium→warning, low and
/// info→info; <c>payload.summary</c> is cut to the API's 1,024 characters. The API answers 202 with <c>{"status":"success"}</c>.
/// </remarks>
internal sealed class PagerDutySink : IAlertTransport, IResolvingTransport
{
    private readonly Uri _url;
    private readonly string _routingKey;
    private readonly bool _byIncident;
    private readonly RouteContext _context;
    private readonly HttpClient _http = HttpDelivery.CreateClient();

    public PagerDutySink(PagerDutySinkOptions options, AlertRoute route, RouteContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(route);
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _url = Routes.HttpUrl(context.Resolve(options.Url, route.Name, "url"), route.Name, "url");
        _routingKey = context.Resolve(options.RoutingKey, route.Name, "routing-key");
        _byIncident = route.Rate.GroupByIncident;
    }

    public async ValueTask<DeliveryResult> SendAsync(IReadOnlyList<Alert> batch, CancellationToken cancellationToken)
    {
        // One event per request (the API's rule). A retry sends the batch again: the dedup_key makes that harmless.
        var last = DeliveryResult.Delivered;
        foreach (var alert in batch)
        {
            last = await PostAsync(Event(alert, "trigger"), cancellationToken).ConfigureAwait(false);
            if (last.Outcome != DeliveryOutcome.Delivered) return last;
        }

        return last;
    }

    /// <summary>Resolves the PagerDuty alert this sink triggered for <paramref name="alert"/> (same <c>dedup_key</c>); for <c>serve</c>, when a finding is closed.</summary>
    public ValueTask<DeliveryResult> ResolveAsync(Alert alert, CancellationToken cancellationToken) => PostAsync(Event(alert, "resolve"), cancellationToken);

    /// <summary>The <c>dedup_key</c> of an alert on this route.</summary>
    public string DedupKey(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return _byIncident && alert.Incident is { } incident ? incident.Id : alert.Finding.Fingerprint;
    }

    public static string Severity(Severity severity) => severity switch
    {
        Findings.Severity.Critical => "critical",
        Findings.Severity.High => "error",
        Findings.Severity.Medium => "warning",
        _ => "info",
    };

    private async ValueTask<DeliveryResult> PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await HttpDelivery.SendAsync(_http, request, _context.Time, cancellationToken).ConfigureAwait(false);
    }

    private byte[] Event(Alert alert, string action)
    {
        var f = alert.Finding;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("routing_key", _routingKey);
            w.WriteString("event_action", action);
            w.WriteString("dedup_key", DedupKey(alert));
            if (action == "trigger")
            {
                w.WriteStartObject("payload");
                w.WriteString("summary", AlertText.Cut(AlertText.Headline(f), 1_024));
                w.WriteString("source", f.Entity.Repository ?? "pipewatch");
                w.WriteString("severity", Severity(f.Severity));
                w.WriteString("timestamp", f.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                if (f.Entity.Pipeline is { } pipeline) w.WriteString("component", pipeline);
                if (f.Entity.Environment is { } environment) w.WriteString("group", environment);
                w.WriteString("class", f.Category);
                w.WriteStartObject("custom_details");
                w.WriteString("rule", f.Rule);
                w.WriteString("explanation", f.Explanation);
                if (AlertText.Entity(f.Entity) is { } entity) w.WriteString("entity", entity);
                if (f.Location.ToString() is { Length: > 0 } location) w.WriteString("location", location);
                w.WriteString("fingerprint", f.Fingerprint);
                if (alert.Incident is { } incident) w.WriteString("incident", incident.Id);
                if (f.Techniques.Count > 0) w.WriteString("techniques", string.Join(", ", f.Techniques));
                foreach (var evidence in f.Evidence.Take(20).DistinctBy(e => e.Name)) w.WriteString($"evidence.{evidence.Name}", evidence.Value);
                w.WriteEndObject();
                w.WriteEndObject();
                var dashboard = AlertText.DashboardLink(_context.PublicUrl, f);
                if (f.Location.Url is not null || dashboard is not null)
                {
                    w.WriteStartArray("links");
                    if (f.Location.Url is { } url)
                    {
                        w.WriteStartObject();
                        w.WriteString("href", url);
                        w.WriteString("text", "Where it happened");
                        w.WriteEndObject();
                    }

                    if (dashboard is not null)
                    {
                        w.WriteStartObject();
                        w.WriteString("href", dashboard);
                        w.WriteString("text", "Open in PipeWatch");
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                w.WriteString("client", "PipeWatch");
                if (dashboard is not null) w.WriteString("client_url", dashboard);
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }
}
