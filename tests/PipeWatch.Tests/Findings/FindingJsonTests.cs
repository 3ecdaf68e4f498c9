using System.Text.Json;
using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Findings;

public sealed class FindingJsonTests
{
    public static readonly string[] ContractFields =
        ["rule", "category", "severity", "title", "explanation", "entity", "location", "evidence", "techniques", "timestamp", "detected_at", "fingerprint"];

    /// <summary>A finding with every field set, timestamps in a non-UTC offset.</summary>
    public static Finding Full { get; } = new()
    {
        Rule = "pipeline.long-duration",
        Category = Categories.LongDuration,
        Severity = Severity.High,
        Title = "Step 'Run Rubocop' of job 'linters' took 5× longer",
        Explanation = "Step 'Run Rubocop' of job 'linters' took 3m 20s against a median of 40s over 30 runs.",
        Entity = new Entity("octo-org/octo-repo", "CI", "linters", "Run Rubocop", "octocat", "production"),
        Location = new Location("5000031", "runs/run-031-a-job.json", 12, "3484a3fb816e0859fd6e1cea078d76385ff50625", "https://github.com/octo-org/octo-repo/actions/runs/5000031"),
        Evidence = [Evidence.Of("observed", "200"), Evidence.Secret("token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789")],
        Techniques = ["T1195.002", "T1496"],
        Timestamp = new DateTimeOffset(2026, 10, 4, 11, 30, 15, 123, TimeSpan.FromHours(2)),
        DetectedAt = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero),
        Fingerprint = "abc3cda40cc41f08c47abe68e16d5be6",
    };

    [Fact]
    public void Written_finding_reads_back_with_every_field()
    {
        using var json = JsonDocument.Parse(Write(Full));

        var read = FindingJson.Read(json.RootElement);

        Assert.Equal(Full.Rule, read.Rule);
        Assert.Equal(Full.Category, read.Category);
        Assert.Equal(Full.Severity, read.Severity);
        Assert.Equal(Full.Title, read.Title);
        Assert.Equal(Full.Explanation, read.Explanation);
        Assert.Equal(Full.Entity, read.Entity);
        Assert.Equal(Full.Location, read.Location);
        Assert.Equal(Full.Evidence, read.Evidence);
        Assert.Equal(Full.Techniques, read.Techniques);
        Assert.Equal(Full.Timestamp, read.Timestamp);
        Assert.Equal(Full.DetectedAt, read.DetectedAt);
        Assert.Equal(Full.Fingerprint, read.Fingerprint);
    }

    [Fact]
    public void Finding_without_optional_fields_reads_back_with_nulls()
    {
        var bare = Full with { Entity = new Entity(), Location = new Location(), Evidence = [], Techniques = [], Severity = Severity.Info };
        using var json = JsonDocument.Parse(Write(bare));

        var read = FindingJson.Read(json.RootElement);

        Assert.Equal(new Entity(), read.Entity);
        Assert.Equal(new Location(), read.Location);
        Assert.Empty(read.Evidence);
        Assert.Empty(read.Techniques);
        Assert.Equal(Severity.Info, read.Severity);
        Assert.Equal("{}", json.RootElement.GetProperty("entity").GetRawText());
        Assert.Equal("{}", json.RootElement.GetProperty("location").GetRawText());
    }

    [Fact]
    public void Written_json_has_exactly_the_contract_fields_in_order()
    {
        using var json = JsonDocument.Parse(Write(Full));

        Assert.Equal(ContractFields, json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Written_json_has_the_wire_values()
    {
        using var json = JsonDocument.Parse(Write(Full));
        var root = json.RootElement;

        Assert.Equal("high", root.GetProperty("severity").GetString());
        Assert.Equal("2026-10-04T09:30:15.1230000Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("2026-11-27T12:00:00.0000000Z", root.GetProperty("detected_at").GetString());
        Assert.Equal(
            """{"repository":"octo-org/octo-repo","pipeline":"CI","job":"linters","step":"Run Rubocop","actor":"octocat","environment":"production"}""",
            root.GetProperty("entity").GetRawText());
        Assert.Equal(
            """{"run_id":"5000031","file":"runs/run-031-a-job.json","line":12,"commit":"3484a3fb816e0859fd6e1cea078d76385ff50625","url":"https://github.com/octo-org/octo-repo/actions/runs/5000031"}""",
            root.GetProperty("location").GetRawText());
        Assert.Equal("""["T1195.002","T1496"]""", root.GetProperty("techniques").GetRawText());
        Assert.Equal(2, root.GetProperty("evidence").GetArrayLength());
        Assert.Equal("ghp_… (40 chars, sha256:03aafb028d53)", root.GetProperty("evidence")[1].GetProperty("value").GetString());
    }

    [Theory]
    [InlineData(Severity.Info, "info")]
    [InlineData(Severity.Low, "low")]
    [InlineData(Severity.Medium, "medium")]
    [InlineData(Severity.High, "high")]
    [InlineData(Severity.Critical, "critical")]
    public void Severity_round_trips_through_its_wire_name(Severity severity, string wire)
    {
        using var json = JsonDocument.Parse(Write(Full with { Severity = severity }));

        Assert.Equal(wire, json.RootElement.GetProperty("severity").GetString());
        Assert.Equal(severity, FindingJson.Read(json.RootElement).Severity);
    }

    private static byte[] Write(Finding finding)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            FindingJson.Write(writer, finding);
        }

        return buffer.ToArray();
    }
}
