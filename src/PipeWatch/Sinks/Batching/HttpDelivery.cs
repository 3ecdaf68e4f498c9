using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace PipeWatch.Sinks.Batching;

/// <summary>Sends one HTTP request of a remote sink and reads the answer as a <see cref="DeliveryResult"/>: 2xx delivered, 408/429/5xx and network errors worth a retry (after <c>Retry-After</c>), anything else rejected.</summary>
/// <remarks>The answer text is the status and the first 1,000 characters of the body; the request's URL (which may hold a secret) is never in it.</remarks>
internal static class HttpDelivery
{
    private const int MaxAnswer = 1_000;

    /// <summary>A client for one route: no redirects followed (a webhook that redirects is misconfigured), no own time limit (the batching sink's attempt timeout applies).</summary>
    public static HttpClient CreateClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    /// <summary>A POST of a JSON body (UTF-8), for the caller to add headers to before <see cref="SendAsync"/>.</summary>
    public static HttpRequestMessage JsonPost(Uri url, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return request;
    }

    /// <summary>POSTs a JSON body and reads the answer (<see cref="SendAsync"/>).</summary>
    public static async ValueTask<DeliveryResult> PostJsonAsync(HttpClient http, Uri url, byte[] body, TimeProvider time, CancellationToken cancellationToken)
    {
        using var request = JsonPost(url, body);
        return await SendAsync(http, request, time, cancellationToken).ConfigureAwait(false);
    }

    /// <param name="accept">Reads a 2xx answer's body when the service reports errors inside a success (Elasticsearch's <c>_bulk</c>); null takes every 2xx.</param>
    public static async ValueTask<DeliveryResult> SendAsync(
        HttpClient http, HttpRequestMessage request, TimeProvider time, CancellationToken cancellationToken, Func<string, DeliveryResult?>? accept = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var body = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var answer = body.Length == 0 ? $"HTTP {status}" : $"HTTP {status}: {(body.Length > MaxAnswer ? body[..MaxAnswer] + "…" : body)}";
            if (response.IsSuccessStatusCode) return accept?.Invoke(body) ?? DeliveryResult.DeliveredWith(answer);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || status >= 500)
            {
                return DeliveryResult.Retry(answer, RetryAfter(response, time));
            }

            return DeliveryResult.Rejected(answer);
        }
        catch (HttpRequestException ex)
        {
            return DeliveryResult.Retry($"cannot reach the service ({ex.HttpRequestError}: {ex.InnerException?.Message ?? ex.Message})");
        }
    }

    /// <summary>The wait a 429 or 503 asks for: <c>Retry-After</c> as seconds or as a date, capped at an hour.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        if (wait is not { } value) return null;
        return value < TimeSpan.Zero ? TimeSpan.Zero : value > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : value;
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[64 * 1024];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                read += n;
            }

            return Encoding.UTF8.GetString(buffer, 0, read).Trim();
        }
    }
}
