using System.Text;
using System.Text.Json;
using PipeWatch.Tests.Detectors.Secrets.Verification;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary>
/// <c>scan --verify</c> and <c>ingest --verify</c> end to end, every provider pointed at a loopback stand-in through
/// <c>secrets.verify-urls</c>: the verdicts on the findings, the exact requests, nothing sent without <c>--verify</c>, a hung
/// provider, and no secret ever sent to another provider's URL.
/// </summary>
public sealed class ScanVerifyTests : IDisposable
{
    // Fake values in the providers' formats (the rules' own true examples); none was ever issued.
    private const string GitHubToken = "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";
    private const string SlackToken = "xoxb-878746579033-6222018738917-6ZGr3tWV2gypSmfuTZiSZFpS";

    private readonly TestRepository _repo = new();
    private readonly TempFolder _config = new();
    private readonly CliRunner _cli;

    public ScanVerifyTests() => _cli = new CliRunner(_repo.Path);

    public void Dispose()
    {
        _repo.Dispose();
        _config.Dispose();
    }

    [Fact]
    public async Task Scan_verify_says_live_for_the_token_its_provider_accepts_and_revoked_for_the_one_it_refuses()
    {
        await using var github = new LoopbackHttpServer(_ => new HttpReply(200, """{"login":"dana"}"""));
        await using var slack = new LoopbackHttpServer(_ => new HttpReply(401, """{"ok":false,"error":"invalid_auth"}"""));
        _repo.Write("deploy/settings.env", $"GH_TOKEN={GitHubToken}\nSLACK_BOT_TOKEN={SlackToken}\n").Commit("deploy settings");

        var result = await _cli.RunAsync("scan", "--verify", "--format", "json", "--config", Config(("github", github), ("slack", slack)));

        Assert.Equal(1, result.ExitCode);
        var findings = Findings(result);
        Assert.Equal(("critical", "live", "the provider accepted it (200)"), Verdict(findings["github-pat"]));
        Assert.Equal(("low", "revoked", "the provider refused it (401)"), Verdict(findings["slack-bot-token"]));
        Assert.Contains("Verified live: the provider accepted it (200)", findings["github-pat"].GetProperty("explanation").GetString(), StringComparison.Ordinal);
        var toGitHub = Assert.Single(github.Requests);
        Assert.Equal(("GET", "/user", $"Bearer {GitHubToken}"), (toGitHub.Method, toGitHub.Path, toGitHub.Headers["Authorization"]));
        var toSlack = Assert.Single(slack.Requests);
        Assert.Equal(("POST", "/api/auth.test", $"Bearer {SlackToken}"), (toSlack.Method, toSlack.Path, toSlack.Headers["Authorization"]));
        Assert.DoesNotContain(GitHubToken, result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(SlackToken, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_verify_no_request_is_sent_and_the_findings_carry_no_verdict()
    {
        await using var github = new LoopbackHttpServer(_ => new HttpReply(200, "{}"));
        await using var slack = new LoopbackHttpServer(_ => new HttpReply(200, """{"ok":true}"""));
        _repo.Write("deploy/settings.env", $"GH_TOKEN={GitHubToken}\nSLACK_BOT_TOKEN={SlackToken}\n").Commit("deploy settings");

        var result = await _cli.RunAsync("scan", "--format", "json", "--config", Config(("github", github), ("slack", slack)));

        Assert.Equal(1, result.ExitCode);
        var findings = Findings(result);
        Assert.Equal(2, findings.Count);
        Assert.All(findings.Values, f => Assert.DoesNotContain(f.GetProperty("evidence").EnumerateArray(), e => e.GetProperty("name").GetString() == "verified"));
        Assert.Empty(github.Requests);
        Assert.Empty(slack.Requests);
    }

    [Fact]
    public async Task A_provider_that_never_answers_leaves_the_secret_unknown_within_the_timeout()
    {
        await using var github = new LoopbackHttpServer(_ => null);
        _repo.Write("deploy/settings.env", $"GH_TOKEN={GitHubToken}\n").Commit("deploy settings");
        var started = DateTime.UtcNow;

        var result = await _cli.RunAsync("scan", "--verify", "--format", "sarif", "--config", Config([("github", github)], "  verify-timeout: 1s\n"));

        Assert.Equal(1, result.ExitCode);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(30));
        using var sarif = JsonDocument.Parse(result.Output);
        var properties = sarif.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("properties");
        Assert.Equal(("unknown", "github did not answer within 1 s", "critical"),
            (properties.GetProperty("verified").GetString(), properties.GetProperty("verification").GetString(), properties.GetProperty("severity").GetString()));
        Assert.Single(github.Requests);
    }

    [Fact]
    public async Task A_scan_sends_each_secret_only_to_its_own_providers_url()
    {
        string[] providers = ["github", "gitlab", "slack", "npm", "stripe", "openai", "sendgrid", "twilio", "aws"];
        var servers = new Dictionary<string, LoopbackHttpServer>();
        foreach (var name in providers) servers[name] = new LoopbackHttpServer(_ => new HttpReply(401, """{"ok":false,"error":"invalid_auth"}"""));
        try
        {
            var secrets = new Dictionary<string, string>
            {
                ["github"] = GitHubToken,
                ["slack"] = SlackToken,
                ["gitlab"] = "glpat-Xk2m9QwErTy7UiOpAs3D",
                ["npm"] = "npm_q7Wc2Rt9Yx4Bn6Mk1Lp8Zs3Dv5Fh0Gj2Kt7E",
                ["twilio"] = PairedVerificationTests.TwilioToken,
                ["aws"] = PairedVerificationTests.AwsSecret,
            };
            _repo.Write("deploy/settings.env", $"""
                GH_TOKEN={GitHubToken}
                SLACK_BOT_TOKEN={SlackToken}
                GITLAB_TOKEN={secrets["gitlab"]}
                NPM_TOKEN={secrets["npm"]}
                TWILIO_ACCOUNT_SID={PairedVerificationTests.TwilioAccount}
                TWILIO_AUTH_TOKEN={secrets["twilio"]}
                """).Write("deploy/credentials", $"""
                [default]
                aws_access_key_id = {PairedVerificationTests.AwsKeyId}
                aws_secret_access_key = {PairedVerificationTests.AwsSecret}
                """).Commit("deploy settings");

            var result = await _cli.RunAsync("scan", "--verify", "--format", "json", "--config", Config([.. servers.Select(s => (s.Key, s.Value))]));

            Assert.Equal(1, result.ExitCode);
            var asked = servers.Where(s => s.Value.Requests.Count > 0).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["aws", "github", "gitlab", "npm", "slack", "twilio"], asked);
            foreach (var (name, server) in servers)
            {
                var seen = string.Join("\n", server.Requests.Select(Everything));
                foreach (var (owner, secret) in secrets.Where(s => s.Key != name))
                {
                    Assert.DoesNotContain(secret, seen, StringComparison.Ordinal);
                    Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), seen, StringComparison.Ordinal);
                }
            }

            // One call per credential: the key id and the secret key of one pair share it.
            Assert.Single(servers["aws"].Requests);
            Assert.Contains($"Credential={PairedVerificationTests.AwsKeyId}/", servers["aws"].Requests[0].Headers["Authorization"], StringComparison.Ordinal);
            Assert.Equal($"/2010-04-01/Accounts/{PairedVerificationTests.TwilioAccount}.json", Assert.Single(servers["twilio"].Requests).Path);
        }
        finally
        {
            foreach (var server in servers.Values) await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Ingest_verify_puts_the_verdict_on_a_secret_printed_in_a_job_log()
    {
        await using var github = new LoopbackHttpServer(_ => new HttpReply(200, """{"login":"dana"}"""));
        var log = _config.File("job.log");
        File.WriteAllText(log, $"2026-03-02T09:00:00.0000000Z ##[group]Run env\n2026-03-02T09:00:01.0000000Z GH_TOKEN={GitHubToken}\n2026-03-02T09:00:02.0000000Z ##[endgroup]\n");

        var result = await _cli.RunAsync("ingest", log, "--verify", "--format", "json", "--store", _config.File("pw.db"), "--config", Config([("github", github)]));

        Assert.Equal(1, result.ExitCode);
        using var line = JsonDocument.Parse(Assert.Single(result.OutputLines));
        Assert.Equal(("critical", "live", "the provider accepted it (200)"), Verdict(line.RootElement));
        Assert.Equal($"Bearer {GitHubToken}", Assert.Single(github.Requests).Headers["Authorization"]);
        Assert.DoesNotContain(GitHubToken, File.ReadAllText(_config.File("pw.db"), Encoding.Latin1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_base_url_that_could_leak_a_secret_is_refused_at_load_naming_the_key()
    {
        var config = _config.File("bad.yml");
        File.WriteAllText(config, "secrets:\n  verify: true\n  verify-urls:\n    github: http://api.github.example.net\n    pastebin: https://pastebin.example.net\n");

        var result = await _cli.RunAsync("scan", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("secrets.verify-urls.github: must be an https URL (or http to a loopback address) without query or user info, got 'http://api.github.example.net'", result.Error, StringComparison.Ordinal);
        Assert.Contains("unknown key 'secrets.verify-urls.pastebin'", result.Error, StringComparison.Ordinal);
    }

    private string Config((string Name, LoopbackHttpServer Server)[] providers, string extra = "")
    {
        var path = _config.File($"pipewatch-{Guid.NewGuid():N}.yml");
        var urls = string.Concat(providers.Select(p => $"    {p.Name}: {p.Server.Url}\n"));
        File.WriteAllText(path, $"secrets:\n  verify-spacing: 0s\n{extra}  verify-urls:\n{urls}");
        return path;
    }

    private string Config(params (string Name, LoopbackHttpServer Server)[] providers) => Config(providers, "");

    private static Dictionary<string, JsonElement> Findings(CliResult result) =>
        result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(f => f.GetProperty("rule").GetString()!, StringComparer.Ordinal);

    private static (string? Severity, string? Verified, string? Reason) Verdict(JsonElement finding)
    {
        var evidence = finding.GetProperty("evidence").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString());
        return (finding.GetProperty("severity").GetString(), evidence.GetValueOrDefault("verified"), evidence.GetValueOrDefault("verification"));
    }

    private static string Everything(RecordedRequest request) =>
        request.Path + "\n" + string.Join("\n", request.Headers.Select(h => $"{h.Key}: {h.Value}")) + "\n" + request.Text;
}
