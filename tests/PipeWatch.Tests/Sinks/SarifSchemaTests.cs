using System.Text.Json;
using Json.Schema;
using PipeWatch.Detectors;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks;

/// <summary>SARIF output checked against the official SARIF 2.1.0 schema (Sinks/Schemas, from the OASIS TC), formats included.</summary>
public sealed class SarifSchemaTests : IDisposable
{
    private const string Token = "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";
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Sinks", "Schemas", "sarif-schema-2.1.0.json"));
    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
    private readonly TestRepository _repo = new();

    [Fact]
    public async Task A_scan_of_a_repository_with_leaks_writes_sarif_the_official_schema_accepts()
    {
        var leak = _repo.Write("config/app settings.env", $"A=1\nGH_TOKEN={Token}\n").Write("deploy.sh", "aws_access_key_id = AKIAQWERTYUIOPASDFGH\n").Commit("leak");
        var output = Path.Combine(_repo.Path, "..", $"{Guid.NewGuid():n}.sarif");

        var result = await new CliRunner(_repo.Path).RunAsync("scan", "--format", "sarif", "--output", output);

        Assert.Equal(1, result.ExitCode);
        using var sarif = JsonDocument.Parse(File.ReadAllText(output));
        File.Delete(output);
        AssertValid(sarif.RootElement);
        var run = sarif.RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules");
        Assert.Equal(["aws-access-key-id", "github-pat"], rules.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.All(rules.EnumerateArray(), r => Assert.False(string.IsNullOrEmpty(r.GetProperty("help").GetProperty("text").GetString())));
        var token = run.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("ruleId").GetString() == "github-pat");
        var physical = token.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal("config/app%20settings.env", physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(2, physical.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(leak, token.GetProperty("properties").GetProperty("commit").GetString());
        Assert.Matches("^[0-9a-f]{32}$", token.GetProperty("partialFingerprints").GetProperty("pipewatch/v1").GetString()!);
        Assert.DoesNotContain(Token, sarif.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_log_of_findings_without_files_and_an_empty_log_are_valid_too()
    {
        var finding = new Finding
        {
            Rule = "pipeline.long-duration",
            Category = Categories.LongDuration,
            Severity = Severity.Medium,
            Title = "Step 'Test' ran 5.5× longer than usual",
            Explanation = "…",
            Entity = new Entity("acme/api", "CI", "build", "Test"),
            Location = new Location(RunId: "42", Url: "https://github.com/acme/api/actions/runs/42"),
            Techniques = ["T1496"],
            Timestamp = Ingest.Now,
            DetectedAt = Ingest.Now,
            Fingerprint = "0123456789abcdef0123456789abcdef",
        };
        DetectorInfo[] rules = [new("pipeline.long-duration", Categories.LongDuration, [EventKind.PipelineJob], "Ran far longer than usual.")];

        AssertValid(await WriteAsync([finding], rules));
        AssertValid(await WriteAsync([], rules));
    }

    [Fact]
    public void The_schema_rejects_a_result_without_a_message_so_these_checks_can_fail()
    {
        using var broken = JsonDocument.Parse("""{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"PipeWatch"}},"results":[{"ruleId":"x"}]}]}""");

        Assert.False(Schema.Evaluate(broken.RootElement, Strict).IsValid);
    }

    private static void AssertValid(JsonElement sarif)
    {
        var result = Schema.Evaluate(sarif, Strict);
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"));
        Assert.True(result.IsValid, string.Join('\n', errors));
    }

    private static async Task<JsonElement> WriteAsync(IReadOnlyList<Finding> findings, IEnumerable<DetectorInfo> rules)
    {
        var output = new StringWriter();
        var sink = new SarifSink(output, rules, "1.2.3");
        await sink.EmitAsync(findings.AsAlerts(), TestContext.Current.CancellationToken);
        await sink.CompleteAsync(TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(output.ToString());
        return document.RootElement.Clone();
    }

    public void Dispose() => _repo.Dispose();
}
