using System.Text.Json;
using Json.Schema;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Tests.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks;

/// <summary>
/// GitLab's secret-detection report, from real scans and ingests through the CLI, checked against the constraints of GitLab's
/// schema 15.2.4 (Sinks/Schemas), with its exact fields and without the secret.
/// </summary>
public sealed class GitLabSecretDetectionSinkTests : IDisposable
{
    private const string Token = "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";
    private static readonly JsonSchema Schema =
        JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Sinks", "Schemas", "gitlab-secret-detection-15.2.4-constraints.json"));

    private readonly TestRepository _repo = new();
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task A_scan_reports_each_committed_secret_with_its_rule_file_line_and_commit_and_never_the_secret()
    {
        _repo.Write("README.md", "# app\n").Commit("start");
        var leak = _repo.Write("config/app.env", $"A=1\nGH_TOKEN={Token}\n").Commit("leak", "Mallory <mallory@example.com>");

        var result = await new CliRunner(_repo.Path).RunAsync("scan", "--format", "json", "--report", "gitlab-secret-detection=gl-secret-detection-report.json");

        Assert.Equal(1, result.ExitCode);
        var text = File.ReadAllText(Path.Combine(_repo.Path, "gl-secret-detection-report.json"));
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(text);
        AssertValid(report.RootElement);
        var root = report.RootElement;
        Assert.Equal("15.2.4", root.GetProperty("version").GetString());
        var scan = root.GetProperty("scan");
        Assert.Equal("secret_detection", scan.GetProperty("type").GetString());
        Assert.Equal("pipewatch", scan.GetProperty("scanner").GetProperty("id").GetString());
        Assert.Equal(Ingest.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), scan.GetProperty("start_time").GetString());
        var vulnerability = Assert.Single(root.GetProperty("vulnerabilities").EnumerateArray());
        Assert.Equal("github-pat", vulnerability.GetProperty("identifiers")[0].GetProperty("value").GetString());
        Assert.Equal("pipewatch_rule_id", vulnerability.GetProperty("identifiers")[0].GetProperty("type").GetString());
        Assert.Equal("Critical", vulnerability.GetProperty("severity").GetString());
        Assert.DoesNotContain("config/app.env", vulnerability.GetProperty("name").GetString(), StringComparison.Ordinal);
        var location = vulnerability.GetProperty("location");
        Assert.Equal("config/app.env", location.GetProperty("file").GetString());
        Assert.Equal(2, location.GetProperty("start_line").GetInt32());
        Assert.Equal(leak, location.GetProperty("commit").GetProperty("sha").GetString());
        Assert.Equal("Mallory <mallory@example.com>", location.GetProperty("commit").GetProperty("author").GetString());

        // The same finding in the JSON Lines on stdout: the id is its fingerprint, shaped as a UUID.
        var fingerprint = JsonDocument.Parse(Assert.Single(result.OutputLines)).RootElement.GetProperty("fingerprint").GetString()!;
        Assert.Equal(fingerprint, vulnerability.GetProperty("id").GetString()!.Replace("-", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clean_scan_writes_a_valid_report_with_no_vulnerabilities()
    {
        _repo.Write("README.md", "# app\n").Commit("start");

        var result = await new CliRunner(_repo.Path).RunAsync("scan", "--report", "gitlab-secret-detection=report.json", "--report", "sarif=pipewatch.sarif");

        Assert.Equal(0, result.ExitCode);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_repo.Path, "report.json")));
        AssertValid(report.RootElement);
        Assert.Empty(report.RootElement.GetProperty("vulnerabilities").EnumerateArray());
        Assert.True(File.Exists(Path.Combine(_repo.Path, "pipewatch.sarif")));
    }

    [Fact]
    public async Task Secrets_printed_in_a_ci_log_name_the_log_and_line_and_the_no_commit_sha()
    {
        // The log as downloaded into the project: its path is written relative to the working directory.
        Directory.CreateDirectory(_temp.File("logs_13848234567"));
        File.Copy(JobLogFixtures.GitHubLog, _temp.File("logs_13848234567/0_build.txt"));

        var result = await new CliRunner(_temp.Path).RunAsync(
            "ingest", "logs_13848234567/0_build.txt", "--store", _temp.File("store.db"), "--format", "json", "--report", "gitlab-secret-detection=gl.json");

        Assert.Equal(1, result.ExitCode);
        using var report = JsonDocument.Parse(File.ReadAllText(_temp.File("gl.json")));
        AssertValid(report.RootElement);
        var vulnerabilities = report.RootElement.GetProperty("vulnerabilities").EnumerateArray().ToList();
        Assert.Equal(4, vulnerabilities.Count);
        Assert.All(vulnerabilities, v =>
        {
            Assert.Equal("secrets.exposed-in-log", v.GetProperty("identifiers")[0].GetProperty("value").GetString());
            var location = v.GetProperty("location");
            Assert.Equal("logs_13848234567/0_build.txt", location.GetProperty("file").GetString());
            Assert.Equal(56, location.GetProperty("start_line").GetInt32());
            var commit = Assert.Single(location.GetProperty("commit").EnumerateObject());
            Assert.Equal(("sha", "0000000"), (commit.Name, commit.Value.GetString()));
        });
        Assert.DoesNotContain(JobLogFixtures.DumpedGitHubToken, report.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_leaked_secrets_are_reported_not_other_findings()
    {
        var output = new StringWriter();
        var sink = new GitLabSecretDetectionSink(output, [], "1.0.0", TimeProvider.System);

        Finding[] findings = [Sample(Categories.PipelineTampering, "code-change.pipeline-tampering"), Sample(Categories.HardcodedSecret, "github-pat"),
            Sample(Categories.UnauthorizedSecretAccess, "secrets.unauthorized-access")];
        await sink.EmitAsync(findings.AsAlerts(), TestContext.Current.CancellationToken);
        await sink.CompleteAsync(TestContext.Current.CancellationToken);

        using var report = JsonDocument.Parse(output.ToString());
        AssertValid(report.RootElement);
        var vulnerability = Assert.Single(report.RootElement.GetProperty("vulnerabilities").EnumerateArray());
        Assert.Equal("github-pat", vulnerability.GetProperty("identifiers")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task The_report_option_rejects_an_unknown_format_or_a_missing_file_and_names_the_value()
    {
        var unknown = await new CliRunner(_repo.Path).RunAsync("scan", "--report", "gitlab=report.json");
        var noFile = await new CliRunner(_repo.Path).RunAsync("scan", "--report", "sarif=");

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--report gitlab=report.json: expected FORMAT=FILE with FORMAT one of table, json, sarif, gitlab-secret-detection", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, noFile.ExitCode);
        Assert.Contains("--report sarif=: expected FORMAT=FILE", noFile.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_output_or_report_file_that_cannot_be_written_is_a_usage_error_naming_the_file()
    {
        _repo.Write("README.md", "# app\n").Commit("start");
        var missing = Path.Combine(_temp.Path, "no such folder", "report.json");

        var report = await new CliRunner(_repo.Path).RunAsync("scan", "--report", $"gitlab-secret-detection={missing}");
        var output = await new CliRunner(_repo.Path).RunAsync("scan", "--format", "sarif", "--output", missing);

        Assert.All([report, output], result =>
        {
            Assert.Equal(2, result.ExitCode);
            Assert.StartsWith($"pipewatch: {missing}: cannot write (", result.Error, StringComparison.Ordinal);
            Assert.Single(result.ErrorLines);
        });
    }

    [Fact]
    public void The_constraints_reject_a_vulnerability_without_a_commit_so_these_checks_can_fail()
    {
        using var broken = JsonDocument.Parse("""
            {"version":"15.2.4","scan":{"analyzer":{"id":"a","name":"a","version":"1","vendor":{"name":"a"}},"scanner":{"id":"a","name":"a","version":"1","vendor":{"name":"a"}},
             "type":"secret_detection","start_time":"2026-01-01T00:00:00","end_time":"2026-01-01T00:00:01","status":"success"},
             "vulnerabilities":[{"id":"x","identifiers":[{"type":"t","name":"n","value":"v"}],"location":{"file":"a.env"}}]}
            """);

        Assert.False(Schema.Evaluate(broken.RootElement).IsValid);
    }

    private static Finding Sample(string category, string rule) => new()
    {
        Rule = rule,
        Category = category,
        Severity = Severity.High,
        Title = rule,
        Explanation = "…",
        Entity = new Entity("acme/api"),
        Location = new Location(File: "a.env", Line: 3, Commit: "0123456789abcdef0123456789abcdef01234567"),
        Timestamp = Ingest.Now,
        DetectedAt = Ingest.Now,
        Fingerprint = Fingerprint.Of(rule, "a.env"),
    };

    private static void AssertValid(JsonElement report)
    {
        var result = Schema.Evaluate(report, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"));
        Assert.True(result.IsValid, string.Join("\n", errors));
    }

    public void Dispose()
    {
        _repo.Dispose();
        _temp.Dispose();
    }
}
