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

    /// <summary>The timeout, spacing, cap and base URLs of verification (the <c>verify-*</c> keys).</summary>
    internal SecretVerifierOptions Verification { get; init; } = new();
}
