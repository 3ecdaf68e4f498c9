namespace PipeWatch.Rules.Patterns;

/// <summary>Settings of secret verification: a timeout per call, the spacing between calls to one provider, a cap, and each provider's base URL.</summary>
internal sealed record SecretVerifierOptions
{
    /// <summary>The provider names a base URL can be given for (<c>secrets.verify-urls</c>).</summary>
    public static readonly IReadOnlyList<string> Providers = ["github", "gitlab", "slack", "npm", "stripe", "openai", "sendgrid", "twilio", "aws"];

    /// <summary>How long one call may take before the secret is <c>unknown</c>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The least time between two calls to the same provider (providers are asked in parallel).</summary>
    public TimeSpan Spacing { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Base URLs by provider name (<c>github</c>, <c>gitlab</c>, <c>slack</c>…), for GitHub Enterprise, self-managed GitLab, or a test's loopback server.</summary>
    public IReadOnlyDictionary<string, string> BaseUrls { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Most distinct secrets verified in one run; later ones are <c>unknown</c>.</summary>
    public int MaxSecrets { get; init; } = 200;

    /// <summary>True for a base URL a secret may be sent to: https, or plain http to a loopback address; no query, no user info.</summary>
    public static bool IsAllowed(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)
        && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo);
}
