using System.Security.Cryptography;
using System.Text;

namespace PipeWatch.Server.Hooks;

/// <summary>The secrets hooks are checked against, and the checks: HMAC signatures and tokens, compared in constant time.</summary>
/// <param name="GitHub">Secrets a GitHub webhook may be signed with (several while one is rotated); none: <c>/hooks/github</c> refuses everything.</param>
/// <param name="GitLab">The token GitLab sends in <c>X-Gitlab-Token</c>, or null (refuses everything).</param>
/// <param name="Ingest">The bearer token of <c>/hooks/generic</c>, <c>/hooks/jenkins</c> and <c>/ingest</c>, or null (refuses everything).</param>
internal sealed record WebhookSecrets(IReadOnlyList<string> GitHub, string? GitLab, string? Ingest)
{
    /// <summary>True when <paramref name="header"/> (<c>sha256=HEX</c>) is the HMAC-SHA256 of <paramref name="body"/> under one of the GitHub secrets.</summary>
    public bool GitHubSignatureMatches(string? header, ReadOnlySpan<byte> body)
    {
        if (header is null || !header.StartsWith("sha256=", StringComparison.Ordinal) || header.Length != 7 + 64) return false;
        Span<byte> given = stackalloc byte[32];
        if (Convert.FromHexString(header.AsSpan(7), given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32) return false;
        Span<byte> expected = stackalloc byte[32];
        var match = false;
        // Every secret is tried, whichever matches, so the time taken does not tell which one did.
        foreach (var secret in GitHub)
        {
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
            match |= CryptographicOperations.FixedTimeEquals(expected, given);
        }

        return match;
    }

    /// <summary>True when <paramref name="given"/> equals <paramref name="expected"/> (both present), in time independent of where they differ.</summary>
    public static bool TokenMatches(string? given, string? expected)
    {
        if (given is null || expected is null) return false;
        // Hashing first gives equal lengths, so the comparison's time does not reveal the token's length either.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }

    /// <summary>The token of an <c>Authorization: Bearer TOKEN</c> header, or null.</summary>
    public static string? Bearer(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
}
