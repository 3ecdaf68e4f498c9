using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PipeWatch.Rules.Patterns;

namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>
/// Checks whether a secret a detector found is live by one harmless read-only call to its own provider, once per distinct secret,
/// one call at a time per provider spaced by <see cref="SecretVerifierOptions.Spacing"/> (providers in parallel), each bounded by
/// <see cref="SecretVerifierOptions.Timeout"/>.
/// </summary>
/// <remarks>
/// Thread-safe. The secret is sent only to its provider's base URL (https, or http to a loopback address for tests), only in a
/// header (AWS: only as the SigV4 signing key, never sent), and redirects are not followed, so it cannot be forwarded elsewhere.
/// It is kept only as a SHA-256 key of the cache; no reason, exception or log line holds it. Failures (network, timeout, an odd
/// answer) are <c>unknown</c>, never thrown. Each call runs on its own: a caller's cancellation does not cancel a call another
/// caller shares.
/// </remarks>
internal sealed class SecretVerifier : IDisposable
{
    private readonly SecretVerifierOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, Lazy<Task<SecretVerification>>> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProviderGate> _gates;
    private readonly CancellationTokenSource _stopping = new();

    public SecretVerifier(SecretVerifierOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        foreach (var (name, url) in options.BaseUrls)
        {
            if (!VerificationProviders.All.Any(p => p.Name == name)) throw new ArgumentException($"verification base URL for '{name}': no such provider (known: {string.Join(", ", VerificationProviders.All.Select(p => p.Name))})");
            if (!SecretVerifierOptions.IsAllowed(url)) throw new ArgumentException($"verification base URL for '{name}' must be https (or http to a loopback address): {url}");
        }

        _gates = VerificationProviders.All.ToDictionary(p => p.Name, _ => new ProviderGate(), StringComparer.Ordinal);
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15) })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("pipewatch-verify/1");
    }

    /// <summary>True when a provider can verify secrets of <paramref name="ruleId"/>.</summary>
    public static bool CanVerify(string ruleId) => VerificationProviders.For(ruleId) is not null;

    /// <summary>Whether <paramref name="secret"/>, found by <paramref name="ruleId"/>, is live; the same secret is asked about once.</summary>
    public Task<SecretVerification> VerifyAsync(string ruleId, string secret, CancellationToken ct) => VerifyAsync(ruleId, new SecretCredential(secret), ct);

    /// <summary>Whether <paramref name="credential"/>, found by <paramref name="ruleId"/>, is live; the same credential is asked about once.</summary>
    public Task<SecretVerification> VerifyAsync(string ruleId, SecretCredential credential, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(credential);
        if (VerificationProviders.For(ruleId) is not { } provider) return Task.FromResult(new SecretVerification(SecretLiveness.Unknown, "no provider verifies this kind of secret"));
        if (provider.Refuse(credential) is { } refusal) return Task.FromResult(new SecretVerification(SecretLiveness.Unknown, refusal));
        var key = provider.Name + ":" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(credential.Key)));
        if (!_seen.ContainsKey(key) && _seen.Count >= _options.MaxSecrets)
        {
            return Task.FromResult(new SecretVerification(SecretLiveness.Unknown, $"more than {_options.MaxSecrets} distinct secrets: not verified"));
        }

        var shared = _seen.GetOrAdd(key, _ => new Lazy<Task<SecretVerification>>(() => CallAsync(provider, credential))).Value;
        return ct.CanBeCanceled ? shared.WaitAsync(ct) : shared;
    }

    private async Task<SecretVerification> CallAsync(VerificationProvider provider, SecretCredential credential)
    {
        var gate = _gates[provider.Name];
        var ct = _stopping.Token;
        try
        {
            await gate.Lock.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new(SecretLiveness.Unknown, "the run stopped before the call");
        }

        try
        {
            var wait = gate.LastCall + _options.Spacing - _time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            var baseUrl = (_options.BaseUrls.GetValueOrDefault(provider.Name) ?? provider.DefaultBaseUrl).TrimEnd('/');
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            try
            {
                if (provider.Call is { } call) return await call(baseUrl, credential, _options.Timeout, linked.Token).ConfigureAwait(false);
                using var request = provider.Request(baseUrl, credential);
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
                gate.LastCall = _time.GetUtcNow();
            }
        }
        catch (OperationCanceledException)
        {
            return new(SecretLiveness.Unknown, "the run stopped before the answer");
        }
        finally
        {
            gate.Lock.Release();
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

    public void Dispose()
    {
        _stopping.Cancel();
        _http.Dispose();
        _stopping.Dispose();
    }

    // One provider's queue: one call at a time, and when the last one ended.
    private sealed class ProviderGate
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public DateTimeOffset LastCall { get; set; } = DateTimeOffset.MinValue;
    }
}
