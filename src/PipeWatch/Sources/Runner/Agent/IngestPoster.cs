using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Posts the agent's lines to <c>pipewatch serve</c>: <c>POST /ingest</c> with <c>Authorization: Bearer TOKEN</c>, the body JSON Lines.</summary>
/// <remarks>
/// Each batch is one request, with <c>Content-Type: application/x-ndjson</c> and <c>X-PipeWatch-Format: pipewatch-agent</c> (the
/// format id, for a server that restricts reading by hint). A connection failure, 408, 429 or 5xx is retried three times with
/// backoff; anything else is returned as the reason. The token is never part of a returned message.
/// </remarks>
public sealed class IngestPoster : IAgentOutput
{
    private static readonly HttpStatusCode[] Transient = [HttpStatusCode.RequestTimeout, HttpStatusCode.TooManyRequests];

    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly string _token;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    /// <param name="url">The <c>/ingest</c> URL of a running <c>serve</c>.</param>
    /// <param name="token">The bearer token <c>serve</c> was given.</param>
    /// <param name="retryDelay">The first delay between attempts (doubled each time).</param>
    public IngestPoster(Uri url, string token, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(token);
        _url = url;
        _token = token;
        _client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                Delay = retryDelay ?? TimeSpan.FromSeconds(1),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || Transient.Contains(r.StatusCode)),
            })
            .Build();
    }

    public async ValueTask<string?> WriteAsync(IReadOnlyList<byte[]> lines, CancellationToken cancellationToken)
    {
        var body = new byte[lines.Sum(l => l.Length + 1)];
        var at = 0;
        foreach (var line in lines)
        {
            line.CopyTo(body, at);
            at += line.Length;
            body[at++] = (byte)'\n';
        }

        try
        {
            using var response = await _retry.ExecuteAsync(
                async ct =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
                    request.Headers.Add("X-PipeWatch-Format", "pipewatch-agent");
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    return await _client.SendAsync(request, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{_url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}; {lines.Count} lines not accepted";
        }
        catch (HttpRequestException ex)
        {
            return $"{_url}: {ex.Message}; {lines.Count} lines not sent";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{_url}: timed out; {lines.Count} lines not sent";
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
