using System.Text.Json;
using Json.Schema;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Sinks.Ocsf;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks;

/// <summary>
/// <c>--format ecs|ocsf|cef</c>: one alert in each format compared with its golden file, and every document of a real ingest
/// checked against the constraints ECS 8.11.0 and OCSF 1.3.0 put on it (Sinks/Schemas, restated from the published schemas).
/// </summary>
public sealed class SiemFormatTests : IDisposable
{
    private static readonly Golden Expected = new("Sinks");
    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
    private readonly TempFolder _temp = new();

    public static TheoryData<string, string> Formats => new() { { "ecs", "json" }, { "ocsf", "json" }, { "cef", "txt" } };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task One_alert_with_an_incident_matches_its_golden_file(string format, string extension)
    {
        var output = new StringWriter();
        var sink = SiemLinesSink.Create(format, output, "1.2.3");

        await sink.EmitAsync([new Alert(FindingJsonTests.Full, new AlertIncident("inc-0001", true))], TestContext.Current.CancellationToken);
        await sink.CompleteAsync(TestContext.Current.CancellationToken);

        var text = output.ToString();
        Expected.Verify($"alert.{format}.{extension}", extension == "json" ? Indented(text) : text);
    }

    [Theory]
    [InlineData("ecs", "ecs-8.11.0-alert-constraints.json")]
    [InlineData("ocsf", "ocsf-1.3.0-detection-finding-constraints.json")]
    public async Task Every_document_of_an_ingest_meets_the_published_schema_constraints(string format, string constraints)
    {
        var schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "Sinks", "Schemas", constraints));
        var result = await new CliRunner(_temp.Path).RunAsync(
            "ingest", Path.Combine(Corpus.RepositoryRoot, "samples", "demo"), Path.Combine(Corpus.RepositoryRoot, "samples", "attack"), "--store", _temp.File("store.db"), "--format", format);

        Assert.Equal(1, result.ExitCode);
        var lines = result.OutputLines;
        Assert.True(lines.Length >= 5, $"only {lines.Length} documents");
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            var evaluation = schema.Evaluate(document.RootElement, Strict);
            Assert.True(evaluation.IsValid, string.Join("\n", (evaluation.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))) + "\n" + line);
        }
    }

    [Fact]
    public void A_baseline_finding_carries_its_observation_and_baseline_as_an_ocsf_anomaly_analysis_and_others_none()
    {
        var baseline = FindingJsonTests.Full with
        {
            Evidence = [Evidence.Of("observed_seconds", "200"), Evidence.Of("median_seconds", "40"), Evidence.Of("samples", "30")],
        };

        using var with = JsonDocument.Parse(Line("ocsf", baseline));
        using var without = JsonDocument.Parse(Line("ocsf", FindingJsonTests.Full));

        var analysis = Assert.Single(with.RootElement.GetProperty("anomaly_analyses").EnumerateArray());
        Assert.Equal("Run Rubocop", analysis.GetProperty("analysis_targets")[0].GetProperty("name").GetString()!.Split(" › ")[^1]);
        Assert.Equal([("observed_seconds", "200")], analysis.GetProperty("anomalies").EnumerateArray().Select(a => (a.GetProperty("observation_parameter").GetString(), a.GetProperty("observed_pattern").GetString())));
        Assert.Equal(["median_seconds", "samples"], analysis.GetProperty("baselines").EnumerateArray().Select(b => b.GetProperty("observation_parameter").GetString()));
        Assert.True(OcsfFormat.IsBaselineFinding(baseline));
        Assert.False(without.RootElement.TryGetProperty("anomaly_analyses", out _));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static string Line(string format, Finding finding)
    {
        var output = new StringWriter();
        var sink = SiemLinesSink.Create(format, output, "1.2.3");
        sink.EmitAsync([new Alert(finding)], CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return output.ToString().Trim();
    }

    // One document, indented, so that a change shows as a readable diff.
    private static string Indented(string line)
    {
        using var document = JsonDocument.Parse(line);
        return JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}
