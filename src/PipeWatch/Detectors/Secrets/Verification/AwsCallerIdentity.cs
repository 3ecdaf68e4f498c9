using System.Net;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace PipeWatch.Detectors.Secrets.Verification;

/// <summary>
/// Verifies an AWS access key id and its secret access key with STS <c>GetCallerIdentity</c>, signed with SigV4 by the AWS SDK:
/// the call needs no permission, changes nothing, and the secret only signs the request (it is never sent).
/// </summary>
/// <remarks>
/// Only a long-term key (<c>AKIA…</c>) with its secret is called: a temporary one (<c>ASIA…</c>) needs its session token, which
/// the finding does not carry, so it stays <c>unknown</c>. No retry (one call per secret); the SDK reads no profile or environment
/// credentials, as the credentials are given.
/// </remarks>
internal static partial class AwsCallerIdentity
{
    /// <summary>The rules whose secrets make half of an AWS key pair: the id itself, or a secret access key.</summary>
    public static IReadOnlyList<string> Rules { get; } =
        ["aws-access-key-id", "aws-secret-access-key", "aws-secret-key-near-key-id", "aws-secret-key-before-key-id", "aws-s3cfg-secret-key"];

    /// <summary>Why a credential cannot be called with, or null when it can.</summary>
    public static string? Refuse(SecretCredential credential)
    {
        if (credential.Id is not { } id || credential.Secret.Length == 0) return "no access key id and secret access key pair in the same place to verify it with";
        if (id.StartsWith("ASIA", StringComparison.Ordinal)) return "a temporary key (ASIA…) is verified only with its session token, which is not at hand";
        return LongTermKeyId().IsMatch(id) && SecretKey().IsMatch(credential.Secret) ? null : "not a long-term access key id (AKIA…) and a 40-character secret key";
    }

    public static async Task<SecretVerification> CallAsync(string baseUrl, SecretCredential credential, TimeSpan timeout, CancellationToken ct)
    {
        var config = new AmazonSecurityTokenServiceConfig
        {
            ServiceURL = baseUrl,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            Timeout = timeout,
        };
        using var client = new AmazonSecurityTokenServiceClient(new BasicAWSCredentials(credential.Id, credential.Secret), config);
        try
        {
            var identity = await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct).ConfigureAwait(false);
            return new(SecretLiveness.Live, $"GetCallerIdentity answered account {identity.Account}, {identity.Arn}");
        }
        catch (AmazonServiceException e) when (e.StatusCode == HttpStatusCode.Forbidden && e.ErrorCode is "InvalidClientTokenId" or "SignatureDoesNotMatch")
        {
            return new(SecretLiveness.Revoked, $"GetCallerIdentity answered {e.ErrorCode} (403)");
        }
        catch (AmazonServiceException e)
        {
            return new(SecretLiveness.Unknown, e.StatusCode == 0 ? "STS could not be reached" : $"GetCallerIdentity answered {(int)e.StatusCode}{(e.ErrorCode is { Length: > 0 } code ? $" {code}" : "")}");
        }
        catch (AmazonClientException)
        {
            return new(SecretLiveness.Unknown, "STS could not be reached or answered something unreadable");
        }
    }

    [GeneratedRegex("^AKIA[A-Z2-7]{16}$")]
    private static partial Regex LongTermKeyId();

    [GeneratedRegex("^[A-Za-z0-9/+]{40}$")]
    private static partial Regex SecretKey();
}
