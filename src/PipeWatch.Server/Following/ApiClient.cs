using System.Globalization;
using System.Net;
using Polly;
using Polly.Retry;

namespace PipeWatch.Server.Following;

/// <summary>
/// The HTTP client of the follow-ups and pollers (GitHub and GitLab REST APIs): GETs retried with backoff and jitter (Polly) on
/// network errors, 429, 5xx and an exhausted rate limit, waiting for <c>Retry-After</c> or the rate limit's reset when one is given.
/// </summary>
/// <remarks>Thread-safe. The caller owns the response. A delay asked for is capped at 15 minutes.</remarks>
internal sealed class ApiClient : IDisposable
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly TimeProvider _time;

    public ApiClient(TimeProvider time, int attempts = 5, TimeSpan? firstDelay = null)
    {
        _time = time;
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 }) { Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("pipewatch-serve");
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay ?? TimeSpan.FromMilliseconds(500),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => r.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError || IsRateLimited(r)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RateLimitDelay(r) : null),
                OnRetry = args =>
                {
                    // A response not handed to the caller is ours to release.
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>GETs <paramref name="url"/> with the headers <paramref name="prepare"/> sets, retrying as above; the last answer is returned whatever its status.</summary>
    public Task<HttpResponseMessage> GetAsync(string url, Action<HttpRequestMessage> prepare, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                prepare(request);
                return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            },
            cancellationToken).AsTask();

    public void Dispose() => _http.Dispose();

    /// <summary>GitHub answers an exhausted rate limit with 403 and <c>x-ratelimit-remaining: 0</c> (GitLab with 429).</summary>
    private static bool IsRateLimited(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Forbidden && Header(response, "x-ratelimit-remaining") == "0";

    /// <summary><c>Retry-After</c> (seconds or a date), else the reset time of GitHub (<c>x-ratelimit-reset</c>) or GitLab (<c>RateLimit-Reset</c>), in epoch seconds.</summary>
    private TimeSpan? RateLimitDelay(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter?.Delta is { } delta) return Cap(delta);
        if (response.Headers.RetryAfter?.Date is { } date) return Cap(date - _time.GetUtcNow());
        var reset = Header(response, "x-ratelimit-reset") ?? Header(response, "ratelimit-reset");
        if (long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) && epoch < 100_000_000_000)
        {
            return Cap(DateTimeOffset.FromUnixTimeSeconds(epoch) - _time.GetUtcNow());
        }

        return null;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static TimeSpan Cap(TimeSpan delay) => delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxDelay ? MaxDelay : delay;
}
