using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>
/// The providers a secret can be checked with by one harmless read-only call, each keyed by its name (the config key of its
/// base URL), the rule ids whose secrets it takes, the request, and how its answer reads.
/// </summary>
/// <remarks>
/// The secret goes only in a header of a request to the provider's own base URL, never in the URL. Each request is the one
/// the provider documents for "who am I" or "list what this key can read": GitHub <c>GET /user</c>, GitLab
/// <c>GET /api/v4/personal_access_tokens/self</c>, Slack <c>POST /api/auth.test</c>, npm <c>GET /-/whoami</c>, Stripe
/// <c>GET /v1/balance</c>, OpenAI <c>GET /v1/models</c>, SendGrid <c>GET /v3/scopes</c>, Twilio
/// <c>GET /2010-04-01/Accounts/{AccountSid}.json</c> (Basic auth with the SID and its secret), AWS STS <c>GetCallerIdentity</c>
/// (signed with SigV4 by the AWS SDK: the secret key signs, it is not sent).
/// </remarks>
internal static class VerificationProviders
{
    public static readonly IReadOnlyList<VerificationProvider> All =
    [
        new("github", "https://api.github.com",
            ["github-pat", "github-oauth-token", "github-user-to-server-token", "github-app-installation-token", "github-fine-grained-pat"],
            (baseUrl, c) => Get(baseUrl + "/user", new AuthenticationHeaderValue("Bearer", c.Secret),
                ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")),
            ByStatus),
        new("gitlab", "https://gitlab.com", ["gitlab-pat"],
            (baseUrl, c) => Get(baseUrl + "/api/v4/personal_access_tokens/self", null, ("PRIVATE-TOKEN", c.Secret)),
            ByStatus),
        new("slack", "https://slack.com", ["slack-bot-token", "slack-user-token", "slack-app-token", "slack-config-token", "slack-legacy-token", "slack-legacy-bot-token"],
            (baseUrl, c) =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/api/auth.test")
                {
                    Content = new StringContent("", Encoding.UTF8, "application/x-www-form-urlencoded"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", c.Secret);
                return request;
            },
            Slack),
        new("npm", "https://registry.npmjs.org", ["npm-access-token", "npmrc-auth-token"],
            (baseUrl, c) => Get(baseUrl + "/-/whoami", new AuthenticationHeaderValue("Bearer", c.Secret)),
            ByStatus),
        new("stripe", "https://api.stripe.com", ["stripe-secret-key", "stripe-restricted-key"],
            (baseUrl, c) => Get(baseUrl + "/v1/balance", new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Secret + ":")))),
            // A restricted key without balance access answers 403: it is valid.
            (status, body) => status == HttpStatusCode.Forbidden ? new(SecretLiveness.Live, "the provider knows the key (403: no access to this endpoint)") : ByStatus(status, body)),
        new("openai", "https://api.openai.com", ["openai-api-key", "openai-project-key"],
            (baseUrl, c) => Get(baseUrl + "/v1/models", new AuthenticationHeaderValue("Bearer", c.Secret)),
            ByStatus),
        new("sendgrid", "https://api.sendgrid.com", ["sendgrid-api-key"],
            (baseUrl, c) => Get(baseUrl + "/v3/scopes", new AuthenticationHeaderValue("Bearer", c.Secret)),
            ByStatus),
        new("twilio", "https://api.twilio.com", ["twilio-auth-token", "twilio-api-key"],
            (baseUrl, c) => Get($"{baseUrl}/2010-04-01/Accounts/{c.Account}.json",
                new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.Id}:{c.Secret}")))),
            ByStatus)
        {
            Refuse = c => c.Id is null || c.Account is null ? "no Twilio account SID (AC…) and its pair in the same place to verify it with" : null,
        },
        new("aws", "https://sts.amazonaws.com", AwsCallerIdentity.Rules, (_, _) => throw new InvalidOperationException("AWS is called through its SDK."), ByStatus)
        {
            Refuse = AwsCallerIdentity.Refuse,
            Call = AwsCallerIdentity.CallAsync,
        },
    ];

    private static readonly Dictionary<string, VerificationProvider> ByRule =
        All.SelectMany(p => p.Rules.Select(r => (r, p))).ToDictionary(x => x.r, x => x.p, StringComparer.Ordinal);

    /// <summary>The provider that checks secrets of <paramref name="ruleId"/>, or null when none does.</summary>
    public static VerificationProvider? For(string ruleId) => ByRule.GetValueOrDefault(ruleId);

    private static HttpRequestMessage Get(string url, AuthenticationHeaderValue? authorization, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = authorization;
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    internal static SecretVerification ByStatus(HttpStatusCode status, string body) => (int)status switch
    {
        >= 200 and < 300 => new(SecretLiveness.Live, $"the provider accepted it ({(int)status})"),
        401 => new(SecretLiveness.Revoked, "the provider refused it (401)"),
        _ => new(SecretLiveness.Unknown, $"the provider answered {(int)status}"),
    };

    private static SecretVerification Slack(HttpStatusCode status, string body)
    {
        if (status != HttpStatusCode.OK) return ByStatus(status, body);
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True) return new(SecretLiveness.Live, "auth.test answered ok");
            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            return error is "invalid_auth" or "token_revoked" or "account_inactive" or "not_authed" or "token_expired"
                ? new(SecretLiveness.Revoked, $"auth.test answered {error}")
                : new(SecretLiveness.Unknown, "auth.test answered an error it does not document for a bad token");
        }
        catch (JsonException)
        {
            return new(SecretLiveness.Unknown, "auth.test answered something that is not JSON");
        }
    }
}

/// <summary>One provider: its name, default base URL, the rule ids it verifies, the request it sends and how its answer reads.</summary>
internal sealed record VerificationProvider(
    string Name,
    string DefaultBaseUrl,
    IReadOnlyList<string> Rules,
    Func<string, SecretCredential, HttpRequestMessage> Request,
    Func<HttpStatusCode, string, SecretVerification> Read)
{
    /// <summary>Why a credential cannot be verified without a call (a pair is missing), or null when it can.</summary>
    public Func<SecretCredential, string?> Refuse { get; init; } = _ => null;

    /// <summary>A call made another way than <see cref="Request"/> (AWS, through its SDK): base URL, credential, timeout, token.</summary>
    public Func<string, SecretCredential, TimeSpan, CancellationToken, Task<SecretVerification>>? Call { get; init; }
}
