using PipeWatch.Findings;

namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>
/// Puts a verification's verdict on a secret finding: evidence <c>verified</c> (<c>live</c>, <c>revoked</c>, <c>unknown</c>) and
/// <c>verification</c> (the provider's reason), a sentence in the explanation, and the severity: a live secret is
/// <see cref="Severity.Critical"/>, a revoked one <see cref="Severity.Low"/> (still a finding: it stays in the history and
/// still fails the default gate), an unknown one keeps its rule's severity. The fingerprint does not change.
/// </summary>
internal static class SecretVerdicts
{
    /// <summary>The finding with the verdict on it.</summary>
    public static Finding With(Finding finding, SecretVerification verification)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(verification);
        var (severity, sentence) = verification.Liveness switch
        {
            SecretLiveness.Live => (Severity.Critical, $"Verified live: {verification.Reason}; anyone holding it can use it now."),
            SecretLiveness.Revoked => (Severity.Low, $"Verified revoked: {verification.Reason}."),
            _ => (finding.Severity, $"Not verified: {verification.Reason}."),
        };
        return finding with
        {
            Severity = severity,
            Explanation = $"{finding.Explanation} {sentence}",
            Evidence = [.. finding.Evidence, Evidence.Of("verified", verification.Word), Evidence.Of("verification", verification.Reason)],
        };
    }

    /// <summary>The answer of a verification started earlier, waited for on the detector's thread; never throws.</summary>
    public static SecretVerification Wait(Task<SecretVerification> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        try
        {
            return pending.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or InvalidOperationException)
        {
            return new(SecretLiveness.Unknown, "the verification did not complete");
        }
    }
}
