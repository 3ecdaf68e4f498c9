using PipeWatch.Detectors.Secrets.Verification;
using PipeWatch.Rules.Patterns;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Secrets.Verification;

/// <summary>The opt-in verifier against loopback stand-ins of each provider: the exact documented request, live / revoked / unknown, one call per distinct secret, spacing, timeout, and no redirect.</summary>
public sealed class SecretVerifierTests
{
    // Made-up values in each provider's format; none was ever issued.
    [Theory]
    [InlineData("github-pat", "github", "ghp_R8kq2ZJmV0xYt4NcLw9PbHs6DfGa1Eu3TiQo", "GET", "/user", "Authorization", "Bearer ghp_R8kq2ZJmV0xYt4NcLw9PbHs6DfGa1Eu3TiQo")]
    [InlineData("gitlab-pat", "gitlab", "glpat-Xk2m9QwErTy7UiOpAs3D", "GET", "/api/v4/personal_access_tokens/self", "PRIVATE-TOKEN", "glpat-Xk2m9QwErTy7UiOpAs3D")]
    [InlineData("npm-access-token", "npm", "npm_q7Wc2Rt9Yx4Bn6Mk1Lp8Zs3Dv5Fh0Gj2Kt7E", "GET", "/-/whoami", "Authorization", "Bearer npm_q7Wc2Rt9Yx4Bn6Mk1Lp8Zs3Dv5Fh0Gj2Kt7E")]
    [InlineData("stripe-secret-key", "stripe", "sk_live_Oxk6dQsHksHwI7jgprFKuZYU", "GET", "/v1/balance", "Authorization", "Basic c2tfbGl2ZV9PeGs2ZFFzSGtzSHdJN2pncHJGS3VaWVU6")]
    [InlineData("openai-api-key", "openai", "sk-Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5Nm7Qw9Er1Ty3", "GET", "/v1/models", "Authorization", "Bearer sk-Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5Nm7Qw9Er1Ty3")]
    [InlineData("sendgrid-api-key", "sendgrid", "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", "GET", "/v3/scopes", "Authorization", "Bearer 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")]
    [InlineData("slack-bot-token", "slack", "xoxb-2817364512-4719283746521-Zq8Wm3Rt6Yu9Io2Pa5Sd7Fg1", "POST", "/api/auth.test", "Authorization", "Bearer xoxb-2817364512-4719283746521-Zq8Wm3Rt6Yu9Io2Pa5Sd7Fg1")]
    public async Task Each_provider_gets_its_documented_request_and_its_answer_reads_live_or_revoked(
        string rule, string provider, string secret, string method, string path, string header, string headerValue)
    {
        var live = true;
        await using var server = new LoopbackHttpServer(_ => provider == "slack"
            ? new HttpReply(200, live ? """{"ok":true,"user":"bot"}""" : """{"ok":false,"error":"invalid_auth"}""")
            : new HttpReply(live ? 200 : 401, "{}"));
        using var verifier = Verifier(server, provider);

        var first = await verifier.VerifyAsync(rule, secret, CancellationToken.None);
        live = false;
        var other = await verifier.VerifyAsync(rule, secret + "x", CancellationToken.None);

        Assert.Equal((SecretLiveness.Live, SecretLiveness.Revoked), (first.Liveness, other.Liveness));
        var request = server.Requests[0];
        Assert.Equal((method, path, headerValue), (request.Method, request.Path, request.Headers[header]));
        Assert.DoesNotContain(secret, first.Reason + other.Reason, StringComparison.Ordinal);
        if (provider == "github") Assert.Equal("2022-11-28", request.Headers["X-GitHub-Api-Version"]);
    }

    [Fact]
    public async Task The_same_secret_is_asked_about_once_and_a_kind_without_a_provider_not_at_all()
    {
        await using var server = new LoopbackHttpServer(_ => new HttpReply(200, "{}"));
        using var verifier = Verifier(server, "github");

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => verifier.VerifyAsync("github-pat", "ghp_R8kq2ZJmV0xYt4NcLw9PbHs6DfGa1Eu3TiQo", CancellationToken.None)));
        var unknown = await verifier.VerifyAsync("generic-password-config", "Zq8vN2rT5kLw", CancellationToken.None);

        Assert.All(results, r => Assert.Equal(SecretLiveness.Live, r.Liveness));
        Assert.Single(server.Requests);
        Assert.Equal(("unknown", "no provider verifies this kind of secret"), (unknown.Word, unknown.Reason));
    }

    [Fact]
    public async Task Calls_are_spaced_and_one_that_is_not_answered_is_unknown_after_the_timeout()
    {
        await using var server = new LoopbackHttpServer(r => r.Headers["Authorization"].EndsWith("hang", StringComparison.Ordinal) ? null : new HttpReply(401, "{}"));
        using var verifier = new SecretVerifier(
            new SecretVerifierOptions { BaseUrls = new Dictionary<string, string> { ["openai"] = server.Url }, Spacing = TimeSpan.FromMilliseconds(300), Timeout = TimeSpan.FromSeconds(1) },
            TimeProvider.System);

        var a = await verifier.VerifyAsync("openai-api-key", "sk-Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb5Nm7Qw9Er1Ty3", CancellationToken.None);
        var b = await verifier.VerifyAsync("openai-api-key", "sk-Zx3Cv5Bn7Mm9Aa1Ss3Dd5Ff7Gg9Hh1Jj3Kk5Ll7Qq9Ww1Ee3", CancellationToken.None);
        var started = DateTime.UtcNow;
        var hung = await verifier.VerifyAsync("openai-api-key", "sk-Po9Iu7Yt5Re3Wq1Lk9Jh7Gf5Ds3Aa1Mn9Bv7Cx5Zz3Xx1hang", CancellationToken.None);

        Assert.Equal((SecretLiveness.Revoked, SecretLiveness.Revoked), (a.Liveness, b.Liveness));
        Assert.True(server.Requests[1].ReceivedAt - server.Requests[0].ReceivedAt >= TimeSpan.FromMilliseconds(250), "calls were not spaced");
        Assert.Equal(SecretLiveness.Unknown, hung.Liveness);
        Assert.Equal("openai did not answer within 1 s", hung.Reason);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_redirect_is_not_followed_so_the_secret_reaches_no_other_host()
    {
        await using var elsewhere = new LoopbackHttpServer(_ => new HttpReply(200, "{}"));
        await using var provider = new LoopbackHttpServer(_ => new HttpReply(302, Headers: new Dictionary<string, string> { ["Location"] = elsewhere.Url + "/collect" }));
        using var verifier = Verifier(provider, "gitlab");

        var result = await verifier.VerifyAsync("gitlab-pat", "glpat-Xk2m9QwErTy7UiOpAs3D", CancellationToken.None);

        Assert.Equal(("unknown", "the provider answered 302"), (result.Word, result.Reason));
        Assert.Single(provider.Requests);
        Assert.Empty(elsewhere.Requests);
    }

    [Theory]
    [InlineData("github", "http://api.github.example.net", "must be https")]
    [InlineData("github", "https://user:pw@api.github.com", "must be https")]
    [InlineData("pastebin", "https://pastebin.example.net", "no such provider")]
    public void A_base_url_that_could_leak_the_secret_or_names_no_provider_is_refused(string provider, string url, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new SecretVerifier(
            new SecretVerifierOptions { BaseUrls = new Dictionary<string, string> { [provider] = url } }, TimeProvider.System));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private static SecretVerifier Verifier(LoopbackHttpServer server, string provider) => new(
        new SecretVerifierOptions { BaseUrls = new Dictionary<string, string> { [provider] = server.Url }, Spacing = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(10) },
        TimeProvider.System);
}
