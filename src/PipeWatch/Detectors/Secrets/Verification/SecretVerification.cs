namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>What the secret's own provider said about it: it works, it was revoked, or nothing could be told.</summary>
internal enum SecretLiveness
{
    Unknown,
    Live,
    Revoked,
}

/// <summary>The outcome of verifying one secret, with a reason that never holds the secret.</summary>
internal sealed record SecretVerification(SecretLiveness Liveness, string Reason)
{
    /// <summary>The word a finding carries: <c>live</c>, <c>revoked</c> or <c>unknown</c>.</summary>
    public string Word => Liveness.ToString().ToLowerInvariant();
}
