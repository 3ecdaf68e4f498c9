using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>Settings of <see cref="SecretVerifier"/>: off unless asked, a timeout per call, the spacing between calls, and each provider's base URL.</summary>
internal sealed class SecretVerifierOptions
{
    /// <summary>How long one call may take before the secret is <c>unknown</c>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The least time between two calls, over all providers.</summary>
    public TimeSpan Spacing { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Base URLs by provider name (<c>github</c>, <c>gitlab</c>, <c>slack</c>…), for GitHub Enterprise, self-managed GitLab, or a test's loopback server.</summary>
    public IReadOnlyDictionary<string, string> BaseUrls { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Most distinct secrets verified in one run; later ones are <c>unknown</c>.</summary>
    public int MaxSecrets { get; init; } = 200;
}

/// <summary>
/// Checks whether a secret a detector found is live by one harmless read-only call to its own provider, once per distinct secret,
/// one call at a time spaced by <see cref="SecretVerifierOptions.Spacing"/>, each bounded by <see cref="SecretVerifierOptions.Timeout"/>.
/// </summary>
/// <remarks>
/// Thread-safe. The secret is sent only to its provider's base URL (https, or http to a loopback address for tests), only in a
/// header, and redirects are not followed, so it cannot be forwarded elsewhere. It is kept only as a SHA-256 key of the
/// cache; no reason, exception or log line holds it. Failures (network, timeout, an odd answer) are <c>unknown</c>, never thrown.
/// </remarks>
internal sealed class SecretVerifier : IDisposable
{
    private readonly SecretVerifierOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, Lazy<Task<SecretVerification>>> _seen = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _lastCall = DateTimeOffset.MinValue;

    public SecretVerifier(SecretVerifierOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        foreach (var (name, url) in options.BaseUrls)
        {
            if (!VerificationProviders.All.Any(p => p.Name == name)) throw new ArgumentException($"verification base URL for '{name}': no such provider (known: {string.Join(", ", VerificationProviders.All.Select(p => p.Name))})");
            if (!IsAllowed(url)) throw new ArgumentException($"verification base URL for '{name}' must be https (or http to a loopback address): {url}");
        }

        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("pipewatch-verify/1");
    }

    /// <summary>True when a provider can verify secrets of <paramref name="ruleId"/>.</summary>
    public static bool CanVerify(string ruleId) => VerificationProviders.For(ruleId) is not null;

    /// <summary>Whether <paramref name="secret"/>, found by <paramref name="ruleId"/>, is live; the same secret is asked about once.</summary>
    public Task<SecretVerification> VerifyAsync(string ruleId, string secret, CancellationToken ct)
    {
        if (VerificationProviders.For(ruleId) is not { } provider) return Task.FromResult(new SecretVerification(SecretLiveness.Unknown, "no provider verifies this kind of secret"));
        var key = provider.Name + ":" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        if (!_seen.ContainsKey(key) && _seen.Count >= _options.MaxSecrets)
        {
            return Task.FromResult(new SecretVerification(SecretLiveness.Unknown, $"more than {_options.MaxSecrets} distinct secrets: not verified"));
        }

        return _seen.GetOrAdd(key, _ => new Lazy<Task<SecretVerification>>(() => CallAsync(provider, secret, ct))).Value;
    }

    private async Task<SecretVerification> CallAsync(VerificationProvider provider, string secret, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var wait = _lastCall + _options.Spacing - _time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            var baseUrl = (_options.BaseUrls.GetValueOrDefault(provider.Name) ?? provider.DefaultBaseUrl).TrimEnd('/');
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            try
            {
                using var request = provider.Request(baseUrl, secret);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                var body = await ReadBoundedAsync(response, linked.Token).ConfigureAwait(false);
                return provider.Read(response.StatusCode, body);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                return new(SecretLiveness.Unknown, string.Create(CultureInfo.InvariantCulture, $"{provider.Name} did not answer within {_options.Timeout.TotalSeconds:0.#} s"));
            }
            catch (HttpRequestException e)
            {
                return new(SecretLiveness.Unknown, $"{provider.Name} could not be reached ({e.HttpRequestError})");
            }
            finally
            {
                _lastCall = _time.GetUtcNow();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        const int Max = 64 * 1024;
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[Max];
        var total = 0;
        int read;
        while (total < Max && (read = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0) total += read;
        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static bool IsAllowed(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)
        && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo);

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }
}
