using System.Text.Json;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch ingest</c> end to end: the committed demo history, bad input, formats, exit codes, store and config resolution.</summary>
public sealed class IngestCommandTests : IDisposable
{
    private static readonly string Demo = Path.Combine(Corpus.RepositoryRoot, "samples", "demo");
    private readonly TempFolder _temp = new();
    private readonly CliRunner _cli;

    public IngestCommandTests() => _cli = new CliRunner(_temp.Path);

    [Fact]
    public async Task Demo_history_ends_in_four_findings_as_json_lines_and_exit_code_1()
    {
        var result = await _cli.RunAsync("ingest", Demo, "--format", "json");

        Assert.Equal(1, result.ExitCode);
        var findings = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            [Categories.LongDuration, Categories.StepOrderChanged, Categories.UnexpectedFailure, Categories.RepeatedFailures],
            findings.Select(f => f.GetProperty("category").GetString()));
        Assert.All(findings, f => Assert.Equal("acme/payments-api", f.GetProperty("entity").GetProperty("repository").GetString()));
        Assert.Equal("Collect diagnostics", findings[1].GetProperty("entity").GetProperty("step").GetString());
        Assert.Contains("ingested 1 file: 88 events (0 seen before), 4 new findings, 0 problems", result.Error);
        Assert.True(File.Exists(_temp.File(".pipewatch/pipewatch.db")));
    }

    [Fact]
    public async Task Attack_sample_is_three_findings_in_one_incident()
    {
        var result = await _cli.RunAsync("ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "attack"), "--format", "json");
        var incidents = await _cli.RunAsync("findings", "--incidents", "--format", "json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ingested 2 files: 526 events (0 seen before), 3 new findings, 0 problems", result.Error);
        using var incident = JsonDocument.Parse(Assert.Single(incidents.OutputLines));
        Assert.Equal(
            [Categories.PermissionWidened, Categories.UnauthorizedSecretAccess, Categories.UnapprovedTarget],
            incident.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("category").GetString()));
        Assert.Equal(["dave-maint", "x-contractor"], incident.RootElement.GetProperty("actors").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Ingesting_the_demo_twice_reports_nothing_new_and_exits_0()
    {
        await _cli.RunAsync("ingest", Demo, "--format", "json");

        var again = await _cli.RunAsync("ingest", Demo, "--format", "json");

        Assert.Equal(0, again.ExitCode);
        Assert.Equal(string.Empty, again.Output);
        Assert.Contains("88 events (88 seen before), 0 new findings", again.Error);
    }

    [Fact]
    public async Task Table_output_names_each_finding_and_with_details_its_explanation()
    {
        var compact = await _cli.RunAsync("ingest", Demo, "--store", "compact.db");
        var details = await _cli.RunAsync("ingest", Demo, "--store", "details.db", "--details");

        Assert.Contains("HIGH     Steps of job", compact.Output, StringComparison.Ordinal);
        Assert.Contains("         pipeline.step-order-changed · ", compact.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("'Collect diagnostics' added between 'Build' and 'Test'", compact.Output, StringComparison.Ordinal);
        Assert.Contains("'Collect diagnostics' added between 'Build' and 'Test'", details.Output, StringComparison.Ordinal);
        Assert.Contains("Step 'Test' of job 'build' took", details.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_files_are_each_reported_with_file_and_reason_and_the_good_ones_are_still_read()
    {
        var folder = Directory.CreateDirectory(_temp.File("exports")).FullName;
        var good = Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json");
        File.Copy(good, Path.Combine(folder, "a-good.json"));
        var text = File.ReadAllText(good);
        File.WriteAllText(Path.Combine(folder, "b-truncated.json"), text[..(text.Length / 2)]);
        File.Copy(Corpus.File("github-webhooks", "check_run", "completed.payload.json"), Path.Combine(folder, "c-check-run.json"));
        File.WriteAllText(Path.Combine(folder, "d-empty.json"), string.Empty);
        File.WriteAllBytes(Path.Combine(folder, "e-binary.bin"), [0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3]);
        File.Copy(Corpus.File("github-webhooks", "workflow_run", "completed.payload.json"), Path.Combine(folder, "f-good-run.json"));

        var result = await _cli.RunAsync("ingest", folder, "--format", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.ErrorLines, l => l.StartsWith("pipewatch: exports/b-truncated.json:", StringComparison.Ordinal) && l.Contains("truncated"));
        Assert.Contains("pipewatch: exports/c-check-run.json: not a supported payload: a GitHub 'check_run' webhook", result.Error);
        Assert.Contains("pipewatch: exports/d-empty.json: file is empty", result.Error);
        Assert.Contains("pipewatch: exports/e-binary.bin: binary file, not JSON", result.Error);
        Assert.Contains("ingested 6 files: 2 events (0 seen before), 0 new findings, 4 problems", result.Error);
    }

    [Fact]
    public async Task Exit_code_is_2_when_nothing_at_all_could_be_read()
    {
        File.WriteAllText(_temp.File("empty.json"), "   \n");
        File.WriteAllText(_temp.File("broken.json"), "{\"workflow_job\": {");

        var result = await _cli.RunAsync("ingest", _temp.File("empty.json"), _temp.File("broken.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipewatch: empty.json: file is empty", result.Error);
        Assert.Contains("pipewatch: broken.json:1: invalid JSON: truncated", result.Error);
    }

    [Fact]
    public async Task A_missing_path_is_named_and_exits_2()
    {
        var result = await _cli.RunAsync("ingest", "no-such-export.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-export.json: no such file or folder", result.Error);
    }

    [Theory]
    [InlineData("--format", "xml")]
    [InlineData("--fail-on", "severe")]
    [InlineData("--no-such-option", "x")]
    public async Task Bad_usage_exits_2_with_a_reason(string option, string value)
    {
        var result = await _cli.RunAsync("ingest", Demo, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("pipewatch: ", result.Error);
    }

    [Theory]
    [InlineData("high", 1)]
    [InlineData("critical", 0)]
    [InlineData("none", 0)]
    public async Task Fail_on_sets_the_severity_that_fails(string failOn, int expected)
    {
        var result = await _cli.RunAsync("ingest", Demo, "--format", "json", "--fail-on", failOn);

        Assert.Equal(expected, result.ExitCode);
    }

    [Fact]
    public async Task Sarif_output_holds_one_result_per_finding()
    {
        var result = await _cli.RunAsync("ingest", Demo, "--format", "sarif", "--output", "out.sarif");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        using var sarif = JsonDocument.Parse(File.ReadAllText(_temp.File("out.sarif")));
        var run = sarif.RootElement.GetProperty("runs")[0];
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        Assert.Equal(4, run.GetProperty("results").GetArrayLength());
        Assert.Equal(4, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
    }

    [Fact]
    public async Task The_store_is_taken_from_PIPEWATCH_STORE_and_store_overrides_it()
    {
        _cli.Environment["PIPEWATCH_STORE"] = _temp.File("from-env/store.db");
        await _cli.RunAsync("ingest", Demo, "--format", "json");
        var explicitStore = await _cli.RunAsync("ingest", Demo, "--format", "json", "--store", "explicit.db");

        Assert.True(File.Exists(_temp.File("from-env/store.db")));
        Assert.False(File.Exists(_temp.File(".pipewatch/pipewatch.db")));
        Assert.Equal(4, explicitStore.OutputLines.Length);
    }

    [Fact]
    public async Task An_unknown_config_key_exits_2_naming_file_line_and_key()
    {
        File.WriteAllText(_temp.File("pipewatch.yml"), "detectors:\n  pipeline.repeated-failures:\n    streek: 4\n");

        var result = await _cli.RunAsync("ingest", Demo);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pipewatch.yml:3: unknown key 'detectors.pipeline.repeated-failures.streek'", result.Error);
    }

    [Fact]
    public async Task Config_can_disable_a_detector_and_allow_a_known_failure()
    {
        File.WriteAllText(_temp.File("pipewatch.yml"), """
            detectors:
              pipeline.step-order-changed:
                enabled: false
            allow:
              - category: pipeline.unexpected-failure
                repository: acme/*
                step: Publish*
                reason: the registry rotates tokens on Fridays
            """);

        var result = await _cli.RunAsync("ingest", Demo, "--format", "json");

        Assert.Equal(
            [Categories.LongDuration, Categories.RepeatedFailures],
            result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("category").GetString()));
    }

    public void Dispose() => _temp.Dispose();
}
