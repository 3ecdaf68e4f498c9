using PipeWatch.Detectors.Secrets;
using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Secrets;

public sealed class SecretExposedInLogDetectorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_double_base64_dump_of_runner_secrets_is_caught_with_its_decoding_chain()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [JobLogFixtures.GitHubLog]);

        Assert.Empty(result.Problems);
        Assert.Equal(
            ["aws-access-key-id", "aws-secret-key-near-key-id", "github-app-installation-token", "npm-access-token"],
            result.Findings.Select(f => f.Evidence.Single(e => e.Name == "secret_rule").Value).Order(StringComparer.Ordinal));
        Assert.All(result.Findings, f =>
        {
            Assert.Equal(Categories.SecretInLog, f.Category);
            Assert.Equal("secrets.exposed-in-log", f.Rule);
            Assert.Equal(new Location("13848234567", JobLogFixtures.GitHubLog, 56), f.Location);
            Assert.Equal(new Entity("acme/payments-api", ".github/workflows/ci.yml", "build", "Run tj-actions/changed-files@v45"), f.Entity);
        });
        var token = result.Findings.Single(f => f.Title.Contains("github-app-installation-token", StringComparison.Ordinal));
        Assert.Equal(Severity.Critical, token.Severity);
        Assert.Equal("Secret (github-app-installation-token) printed base64 → base64-encoded in job 'build', step 'Run tj-actions/changed-files@v45'", token.Title);
        Assert.Contains("printed encoded: base64 → base64 → found github-app-installation-token", token.Explanation, StringComparison.Ordinal);
        Assert.Equal("base64 → base64 → found github-app-installation-token", token.Evidence.Single(e => e.Name == "decoding").Value);
        Assert.Equal(Evidence.Secret("secret", JobLogFixtures.DumpedGitHubToken), token.Evidence[0]);
    }

    [Fact]
    public async Task The_same_log_with_masked_values_raises_nothing()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [JobLogFixtures.GitHubMaskedLog]);

        Assert.Empty(result.Problems);
        Assert.Equal(6, result.Summary.Events);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_token_echoed_in_a_gitlab_trace_is_reported_at_its_section_and_line_and_masked_values_are_not()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [JobLogFixtures.GitLabTrace]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal("Secret (gitlab-pat) printed in plain text in job '9412345678', step 'step_script'", finding.Title);
        Assert.Equal(new Location(null, JobLogFixtures.GitLabTrace, 20), finding.Location);
        Assert.Equal("step_script", finding.Entity.Step);
        Assert.Equal("acme/payments-api", finding.Entity.Repository);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 16, 3, 56, TimeSpan.Zero), finding.Timestamp);
    }

    [Fact]
    public async Task A_token_echoed_in_a_jenkins_stage_is_reported_once_at_its_first_line()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [JobLogFixtures.JenkinsLog]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal(new Location("57", JobLogFixtures.JenkinsLog, 35), finding.Location);
        Assert.Equal(new Entity("acme/payments-api", "payments-deploy", "payments-deploy", "Publish"), finding.Entity);
        Assert.Equal("github-pat", finding.Evidence.Single(e => e.Name == "secret_rule").Value);
    }

    [Fact]
    public async Task Clean_logs_of_each_platform_raise_nothing()
    {
        var gitlab = _temp.File("9412345679.log");
        File.WriteAllText(gitlab, File.ReadAllText(JobLogFixtures.GitLabTrace).Replace(JobLogFixtures.GitLabToken, "[MASKED]", StringComparison.Ordinal));
        var jenkins = _temp.File("console.txt");
        File.WriteAllText(jenkins, File.ReadAllText(JobLogFixtures.JenkinsLog).Replace(JobLogFixtures.JenkinsToken, "****", StringComparison.Ordinal));

        var result = await Ingest.RunAsync(_temp.File("store.db"), [gitlab, jenkins, JobLogFixtures.GitHubMaskedLog]);

        Assert.Empty(result.Problems);
        Assert.True(result.Summary.Events > 15);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_key_printed_across_the_cut_between_two_parts_of_a_long_log_is_found_and_a_token_in_both_parts_is_reported_once()
    {
        // A 12-line PEM block on lines 4,995-5,006, across the cut after line 5,000, and a token on line 4,980, which both
        // parts hold (the second begins with the first's last lines).
        const string Token = "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";
        var body = string.Join('\n', Enumerable.Range(1, 10).Select(i => "zeTK3TvMpX0mzlAjdqIWqDPzyaDt5DAysFbJyM0WNd8P5Yk9EZ4isxd/ofc3kQT" + i % 10));
        var pem = $"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----".Split('\n');
        var lines = Enumerable.Range(1, 4994).Select(i => i == 4980 ? $"export GH_TOKEN={Token}" : $"compiling unit {i}").Concat(pem)
            .Concat(Enumerable.Range(1, 100).Select(i => $"linking {i}"));
        var log = _temp.File("build.log");
        File.WriteAllLines(log, lines);

        var result = await Ingest.RunAsync(_temp.File("store.db"), [log]);

        Assert.Empty(result.Problems);
        Assert.Equal(
            [("github-pat", 4980), ("private-key-pem", 4995)],
            result.Findings.Select(f => (f.Evidence.Single(e => e.Name == "secret_rule").Value, f.Location.Line!.Value)).Order());
        Assert.All(result.Findings, f => Assert.Equal(log, f.Location.File));
    }

    [Fact]
    public async Task Ingesting_a_log_again_skips_it_and_reports_nothing_new()
    {
        var store = _temp.File("store.db");
        var first = await Ingest.RunAsync(store, [JobLogFixtures.GitHubLog]);

        var second = await Ingest.RunAsync(store, [JobLogFixtures.GitHubLog]);

        Assert.Equal(4, first.Findings.Count);
        Assert.Equal(second.Summary.Events, second.Summary.Duplicates);
        Assert.Empty(second.Findings);
    }

    [Fact]
    public async Task The_decode_depth_setting_limits_how_deep_the_dump_is_followed()
    {
        var config = ConfigLoader.Parse("detectors:\n  secrets.exposed-in-log:\n    decode-depth: 1\n", "pipewatch.yml");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [JobLogFixtures.GitHubLog], config);

        Assert.Equal(1, config.Options<SecretExposedInLogOptions>().DecodeDepth);
        Assert.Empty(result.Findings);
    }

    [Theory]
    [InlineData("***", true)]
    [InlineData("token=***", true)]
    [InlineData("[MASKED]", true)]
    [InlineData("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", false)]
    public void Masked_values_are_recognized(string value, bool masked) =>
        Assert.Equal(masked, SecretExposedInLogDetector.IsMasked(value));
}
