namespace PipeWatch.Rules.Patterns;

/// <summary>The <c>secrets</c> section of pipewatch.yml: the user's own secret rules, used as <c>scan --rules</c> uses them, and verification.</summary>
public sealed record SecretsOptions
{
    /// <summary>
    /// A secret rule file (a gitleaks config <c>.toml</c>, or a PipeWatch rule file <c>.yml</c>) as an absolute path: <c>scan</c>
    /// finds secrets with it when no <c>--rules</c> is given, and <c>scan</c>, <c>ingest</c> and <c>serve</c> redact every finding
    /// with it. Null: the built-in rules alone.
    /// </summary>
    public string? Rules { get; init; }

    /// <summary>
    /// True to ask each found secret's own provider, by one read-only call, whether it is live (<c>secrets.verify</c>,
    /// <c>scan --verify</c>, <c>ingest --verify</c>). Off by default: it sends the secret to its provider.
    /// </summary>
    public bool Verify { get; init; }

    /// <summary>How long one verification call may take before the secret is <c>unknown</c> (<c>verify-timeout</c>).</summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The least time between two verification calls to the same provider (<c>verify-spacing</c>).</summary>
    public TimeSpan VerifySpacing { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most distinct secrets verified in one run (<c>verify-max</c>); later ones are <c>unknown</c>.</summary>
    public int VerifyMax { get; init; } = 200;

    /// <summary>Base URLs by provider name (<c>verify-urls</c>): GitHub Enterprise, self-managed GitLab, a test's loopback server.</summary>
    public IReadOnlyDictionary<string, string> VerifyUrls { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The verifier's settings from these keys.</summary>
    internal SecretVerifierOptions Verification => new() { Timeout = VerifyTimeout, Spacing = VerifySpacing, MaxSecrets = VerifyMax, BaseUrls = VerifyUrls };
}
