using System.Text.Json;
using PipeWatch.Detectors;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks;

public sealed class SarifSinkTests : IDisposable
{
    private static readonly DetectorInfo[] Rules =
    [
        new("pipeline.long-duration", Categories.LongDuration, [EventKind.PipelineJob], "A job or step ran far longer than usual."),
        new("pipeline.step-order-changed", Categories.StepOrderChanged, [EventKind.PipelineJob], "Steps added, removed or reordered."),
    ];

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Log_is_sarif_2_1_0_from_pipewatch()
    {
        using var sarif = await WriteAsync([Slow(Severity.High)]);
        var root = sarif.RootElement;

        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.Equal("https://json.schemastore.org/sarif-2.1.0.json", root.GetProperty("$schema").GetString());
        var run = Assert.Single(root.GetProperty("runs").EnumerateArray());
        Assert.Equal("PipeWatch", run.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
        Assert.Equal("1.2.3", run.GetProperty("tool").GetProperty("driver").GetProperty("semanticVersion").GetString());
    }

    [Fact]
    public async Task One_rule_per_distinct_rule_id_with_descriptions_help_and_tags()
    {
        using var sarif = await WriteAsync([Slow(Severity.High), Reordered(), Slow(Severity.Low) with { Fingerprint = "slow-2" }]);
        var rules = Driver(sarif).GetProperty("rules");

        Assert.Equal(["pipeline.long-duration", "pipeline.step-order-changed"], rules.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        var slow = rules[0];
        Assert.Equal("PipelineLongDuration", slow.GetProperty("name").GetString());
        Assert.Equal("A job or step ran far longer than usual.", slow.GetProperty("shortDescription").GetProperty("text").GetString());
        Assert.Equal("A job or step ran far longer than usual. Category: pipeline.long-duration.", slow.GetProperty("fullDescription").GetProperty("text").GetString());
        Assert.Equal(
            "A job or step ran far longer than usual. See docs/detectors.md, section pipeline.long-duration, for what it means and how to respond.",
            slow.GetProperty("help").GetProperty("text").GetString());
        Assert.Equal(["security", "pipeline.long-duration"], slow.GetProperty("properties").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task A_rule_carries_the_security_severity_of_its_most_severe_result_for_code_scanning()
    {
        using var sarif = await WriteAsync([Slow(Severity.Low), Reordered() with { Severity = Severity.Medium }, Slow(Severity.Critical) with { Fingerprint = "slow-2" }]);
        var rules = Driver(sarif).GetProperty("rules");

        Assert.Equal(
            [("pipeline.long-duration", "9.5", "error"), ("pipeline.step-order-changed", "5.5", "warning")],
            rules.EnumerateArray().Select(r => (
                r.GetProperty("id").GetString(),
                r.GetProperty("properties").GetProperty("security-severity").GetString(),
                r.GetProperty("defaultConfiguration").GetProperty("level").GetString())));
    }

    [Fact]
    public async Task Rule_without_metadata_is_described_by_its_id()
    {
        var finding = Slow(Severity.Medium) with { Rule = "custom.rule", Category = Categories.HardcodedSecret };

        using var sarif = await WriteAsync([finding]);
        var rule = Driver(sarif).GetProperty("rules")[0];

        Assert.Equal("custom.rule", rule.GetProperty("shortDescription").GetProperty("text").GetString());
        Assert.Equal(["security", "secrets.hardcoded"], rule.GetProperty("properties").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Each_result_points_at_its_rule_by_id_and_index()
    {
        using var sarif = await WriteAsync([Reordered(), Slow(Severity.High)]);
        var results = Results(sarif);

        Assert.Equal(
            [("pipeline.step-order-changed", 1), ("pipeline.long-duration", 0)],
            results.Select(r => (r.GetProperty("ruleId").GetString(), r.GetProperty("ruleIndex").GetInt32())));
    }

    [Theory]
    [InlineData(Severity.Critical, "error", "9.5")]
    [InlineData(Severity.High, "error", "8.0")]
    [InlineData(Severity.Medium, "warning", "5.5")]
    [InlineData(Severity.Low, "note", "3.0")]
    [InlineData(Severity.Info, "note", "0.0")]
    public async Task Severity_maps_to_level_and_security_severity(Severity severity, string level, string securitySeverity)
    {
        using var sarif = await WriteAsync([Slow(severity)]);
        var result = Results(sarif)[0];

        Assert.Equal(level, result.GetProperty("level").GetString());
        Assert.Equal(securitySeverity, result.GetProperty("properties").GetProperty("security-severity").GetString());
    }

    [Fact]
    public async Task Result_has_message_location_fingerprint_and_properties()
    {
        using var sarif = await WriteAsync([Slow(Severity.High)]);
        var result = Results(sarif)[0];

        Assert.Equal("Step 'Run Rubocop' took 5× longer. It took 200s against a median of 40s.", result.GetProperty("message").GetProperty("text").GetString());
        var location = result.GetProperty("locations")[0];
        var physical = location.GetProperty("physicalLocation");
        Assert.Equal("runs/run-031-a-job.json", physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(12, physical.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal("octo-org/octo-repo › CI › linters › Run Rubocop", location.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
        Assert.Equal("slow-1", result.GetProperty("partialFingerprints").GetProperty("pipewatch/v1").GetString());
        var properties = result.GetProperty("properties");
        Assert.Equal("pipeline.long-duration", properties.GetProperty("category").GetString());
        Assert.Equal("high", properties.GetProperty("severity").GetString());
        Assert.Equal("5000031", properties.GetProperty("runId").GetString());
        Assert.Equal(["pipeline.long-duration", "attack:T1195.002"], properties.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task File_without_a_line_starts_at_line_one()
    {
        var finding = Slow(Severity.High) with { Location = new Location("5000031", _temp.File("run.json")) };

        using var sarif = await WriteAsync([finding]);
        var physical = Results(sarif)[0].GetProperty("locations")[0].GetProperty("physicalLocation");

        Assert.Equal("run.json", physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(1, physical.GetProperty("region").GetProperty("startLine").GetInt32());
    }

    [Fact]
    public async Task File_outside_the_base_directory_is_an_absolute_file_uri()
    {
        var outside = Path.Combine(Path.GetTempPath(), "elsewhere", "run.json");
        var finding = Slow(Severity.High) with { Location = new Location("5000031", outside, 3) };

        using var sarif = await WriteAsync([finding]);
        var uri = Results(sarif)[0].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString();

        Assert.Equal(new Uri(outside).AbsoluteUri, uri);
        Assert.StartsWith("file:///", uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relative_uri_is_percent_encoded()
    {
        var finding = Slow(Severity.High) with { Location = new Location("5000031", _temp.File(Path.Combine("my runs", "run #1.json")), 3) };

        using var sarif = await WriteAsync([finding]);
        var uri = Results(sarif)[0].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString();

        Assert.Equal("my%20runs/run%20%231.json", uri);
    }

    [Fact]
    public async Task Finding_without_a_file_has_no_physical_location()
    {
        var finding = Slow(Severity.High) with { Location = new Location("5000031") };

        using var sarif = await WriteAsync([finding]);
        var location = Results(sarif)[0].GetProperty("locations")[0];

        Assert.False(location.TryGetProperty("physicalLocation", out _));
        Assert.True(location.TryGetProperty("logicalLocations", out _));
    }

    [Fact]
    public async Task No_findings_give_an_empty_run()
    {
        using var sarif = await WriteAsync([]);

        Assert.Equal(0, Driver(sarif).GetProperty("rules").GetArrayLength());
        Assert.Empty(Results(sarif));
    }

    public void Dispose() => _temp.Dispose();

    private async Task<JsonDocument> WriteAsync(IReadOnlyList<Finding> findings)
    {
        var output = new StringWriter();
        var sink = new SarifSink(output, Rules, "1.2.3", baseDirectory: _temp.Path);
        await sink.EmitAsync(findings.AsAlerts(), TestContext.Current.CancellationToken);
        await sink.CompleteAsync(TestContext.Current.CancellationToken);
        return JsonDocument.Parse(output.ToString());
    }

    private static JsonElement Driver(JsonDocument sarif) => sarif.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver");

    private static JsonElement[] Results(JsonDocument sarif) => [.. sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()];

    private Finding Slow(Severity severity) => new()
    {
        Rule = "pipeline.long-duration",
        Category = Categories.LongDuration,
        Severity = severity,
        Title = "Step 'Run Rubocop' took 5× longer",
        Explanation = "It took 200s against a median of 40s.",
        Entity = new Entity("octo-org/octo-repo", "CI", "linters", "Run Rubocop"),
        Location = new Location("5000031", _temp.File(Path.Combine("runs", "run-031-a-job.json")), 12),
        Techniques = ["T1195.002"],
        Timestamp = new DateTimeOffset(2026, 10, 4, 9, 30, 0, TimeSpan.Zero),
        DetectedAt = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        Fingerprint = "slow-1",
    };

    private Finding Reordered() => Slow(Severity.High) with
    {
        Rule = "pipeline.step-order-changed",
        Category = Categories.StepOrderChanged,
        Title = "Steps of job 'linters' changed: 1 added",
        Fingerprint = "order-1",
    };
}
