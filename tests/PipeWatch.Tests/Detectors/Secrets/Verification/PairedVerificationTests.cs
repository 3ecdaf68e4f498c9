using System.Text;
using PipeWatch.Detectors.Secrets.Verification;
using PipeWatch.Rules.Patterns;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Secrets.Verification;

/// <summary>
/// The providers that need a pair (Twilio: a SID and its secret; AWS: an access key id and its secret key, signed with SigV4 by the
/// AWS SDK) against loopback stand-ins: the exact request, the documented answers, and the pairing from a real-format file.
/// </summary>
public sealed class PairedVerificationTests
{
    // Made-up values in each provider's format; none was ever issued.
    internal const string AwsKeyId = "AKIAZ7QW3RT5YU2IOPAS";
    internal const string AwsSecret = "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";
    internal const string TwilioAccount = "AC4f1c7e9a2b8d3f6e0a5c9b1d7e3f2a8c";
    internal const string TwilioToken = "9e2b7c4a1f8d3e6b0c5a7f2d9e4b1c8a";

    private const string CallerIdentity = """
        <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <GetCallerIdentityResult>
            <Arn>arn:aws:iam::123456789012:user/ci-deployer</Arn>
            <UserId>AIDAZ7QW3RT5YU2IOPAS1</UserId>
            <Account>123456789012</Account>
          </GetCallerIdentityResult>
          <ResponseMetadata>
            <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
          </ResponseMetadata>
        </GetCallerIdentityResponse>
        """;

    private const string InvalidToken = """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error>
            <Type>Sender</Type>
            <Code>InvalidClientTokenId</Code>
            <Message>The security token included in the request is invalid.</Message>
          </Error>
          <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
        </ErrorResponse>
        """;

    [Fact]
    public async Task Aws_is_asked_with_a_signed_GetCallerIdentity_and_its_documented_answer_reads_live()
    {
        await using var sts = new LoopbackHttpServer(_ => new HttpReply(200, CallerIdentity, ContentType: "text/xml"));
        using var verifier = Verifier("aws", sts);

        var result = await verifier.VerifyAsync("aws-secret-access-key", new SecretCredential(AwsSecret, AwsKeyId), CancellationToken.None);

        Assert.Equal((SecretLiveness.Live, "GetCallerIdentity answered account 123456789012, arn:aws:iam::123456789012:user/ci-deployer"), (result.Liveness, result.Reason));
        var request = Assert.Single(sts.Requests);
        Assert.Equal(("POST", "/"), (request.Method, request.Path));
        Assert.Matches($@"^AWS4-HMAC-SHA256 Credential={AwsKeyId}/\d{{8}}/us-east-1/sts/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{{64}}$", request.Headers["Authorization"]);
        Assert.Contains("Action=GetCallerIdentity", request.Text, StringComparison.Ordinal);
        Assert.Contains("Version=2011-06-15", request.Text, StringComparison.Ordinal);
        // The secret key signs; it is sent nowhere.
        Assert.DoesNotContain(AwsSecret, Everything(request), StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(AwsSecret), Everything(request), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aws_answering_InvalidClientTokenId_is_revoked_and_a_temporary_or_unpaired_key_is_not_called()
    {
        await using var sts = new LoopbackHttpServer(_ => new HttpReply(403, InvalidToken, ContentType: "text/xml"));
        using var verifier = Verifier("aws", sts);

        var revoked = await verifier.VerifyAsync("aws-access-key-id", new SecretCredential(AwsSecret, AwsKeyId), CancellationToken.None);
        var temporary = await verifier.VerifyAsync("aws-access-key-id", new SecretCredential(AwsSecret, "ASIAZ7QW3RT5YU2IOPAS"), CancellationToken.None);
        var alone = await verifier.VerifyAsync("aws-secret-access-key", AwsSecret, CancellationToken.None);

        Assert.Equal((SecretLiveness.Revoked, "GetCallerIdentity answered InvalidClientTokenId (403)"), (revoked.Liveness, revoked.Reason));
        Assert.Equal(SecretLiveness.Unknown, temporary.Liveness);
        Assert.StartsWith("a temporary key (ASIA…)", temporary.Reason, StringComparison.Ordinal);
        Assert.Equal(("unknown", "no access key id and secret access key pair in the same place to verify it with"), (alone.Word, alone.Reason));
        Assert.Single(sts.Requests);
    }

    [Fact]
    public async Task Twilio_gets_the_account_resource_with_basic_auth_of_the_sid_and_its_token()
    {
        var live = true;
        await using var twilio = new LoopbackHttpServer(_ => live ? new HttpReply(200, """{"sid":"x","status":"active"}""") : new HttpReply(401, """{"code":20003,"message":"Authenticate"}"""));
        using var verifier = Verifier("twilio", twilio);

        var first = await verifier.VerifyAsync("twilio-auth-token", new SecretCredential(TwilioToken, TwilioAccount, TwilioAccount), CancellationToken.None);
        live = false;
        var second = await verifier.VerifyAsync("twilio-auth-token", new SecretCredential(TwilioToken[..^1] + "0", TwilioAccount, TwilioAccount), CancellationToken.None);
        var unpaired = await verifier.VerifyAsync("twilio-auth-token", TwilioToken, CancellationToken.None);

        Assert.Equal((SecretLiveness.Live, SecretLiveness.Revoked, SecretLiveness.Unknown), (first.Liveness, second.Liveness, unpaired.Liveness));
        var request = twilio.Requests[0];
        Assert.Equal(("GET", $"/2010-04-01/Accounts/{TwilioAccount}.json"), (request.Method, request.Path));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioAccount}:{TwilioToken}")), request.Headers["Authorization"]);
        Assert.Equal(2, twilio.Requests.Count);
    }

    [Fact]
    public void A_credentials_file_pairs_the_key_id_with_its_secret_and_a_twilio_token_with_its_account()
    {
        var text = $"""
            [default]
            aws_access_key_id = {AwsKeyId}
            aws_secret_access_key = {AwsSecret}
            region = eu-west-1

            TWILIO_ACCOUNT_SID={TwilioAccount}
            TWILIO_AUTH_TOKEN={TwilioToken}
            """;
        List<FoundSecret> found =
        [
            new("aws-access-key-id", text.IndexOf(AwsKeyId, StringComparison.Ordinal), AwsKeyId),
            new("aws-secret-access-key", text.IndexOf(AwsSecret, StringComparison.Ordinal), AwsSecret),
            new("twilio-auth-token", text.IndexOf(TwilioToken, StringComparison.Ordinal), TwilioToken),
        ];

        Assert.Equal(new SecretCredential(AwsSecret, AwsKeyId), SecretPairing.For(found[0], text, found));
        Assert.Equal(new SecretCredential(AwsSecret, AwsKeyId), SecretPairing.For(found[1], text, found));
        Assert.Equal(new SecretCredential(TwilioToken, TwilioAccount, TwilioAccount), SecretPairing.For(found[2], text, found));
        // Too far apart, nothing pairs.
        var far = new string('\n', SecretPairing.Window + 10) + text.Split("TWILIO_ACCOUNT_SID")[0];
        var lone = new FoundSecret("aws-secret-access-key", far.IndexOf(AwsSecret, StringComparison.Ordinal), AwsSecret);
        Assert.Equal(new SecretCredential(AwsSecret, AwsKeyId), SecretPairing.For(lone, far, [lone]));
        var distant = AwsKeyId + new string(' ', SecretPairing.Window + 10) + AwsSecret;
        var secret = new FoundSecret("aws-secret-access-key", distant.IndexOf(AwsSecret, StringComparison.Ordinal), AwsSecret);
        Assert.Null(SecretPairing.For(secret, distant, [secret]).Id);
    }

    private static string Everything(RecordedRequest request) =>
        request.Path + "\n" + string.Join("\n", request.Headers.Select(h => $"{h.Key}: {h.Value}")) + "\n" + request.Text;

    private static SecretVerifier Verifier(string provider, LoopbackHttpServer server) => new(
        new SecretVerifierOptions { BaseUrls = new Dictionary<string, string> { [provider] = server.Url }, Spacing = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(10) },
        TimeProvider.System);
}
