using System.Text.Json;
using PipeWatch.Findings;
using PipeWatch.Sinks;
using PipeWatch.Tests.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sinks;

public sealed class JsonLinesSinkTests
{
    [Fact]
    public async Task Each_finding_is_one_line_of_json_with_the_contract_fields()
    {
        var output = new StringWriter();
        var sink = new JsonLinesSink(output);
        var findings = new[]
        {
            FindingJsonTests.Full,
            FindingJsonTests.Full with { Fingerprint = "second", Explanation = "Two lines\nof explanation." },
        };

        var result = await sink.EmitAsync(findings.AsAlerts(), TestContext.Current.CancellationToken);
        await sink.EmitAsync([new Alert(FindingJsonTests.Full with { Fingerprint = "third" })], TestContext.Current.CancellationToken);
        await sink.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal(SinkResult.Ok, result);
        var text = output.ToString();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text.Split('\n')[..^1];
        Assert.Equal(3, lines.Length);
        var parsed = lines.Select(line => JsonDocument.Parse(line)).ToList();
        Assert.All(parsed, json => Assert.Equal(FindingJsonTests.ContractFields, json.RootElement.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(["abc3cda40cc41f08c47abe68e16d5be6", "second", "third"], parsed.Select(j => j.RootElement.GetProperty("fingerprint").GetString()));
        Assert.Equal("Two lines\nof explanation.", parsed[1].RootElement.GetProperty("explanation").GetString());
        Assert.Equal("high", parsed[0].RootElement.GetProperty("severity").GetString());
        foreach (var json in parsed)
        {
            json.Dispose();
        }
    }

    [Fact]
    public async Task Lines_read_back_as_the_findings_written()
    {
        var output = new StringWriter();
        var sink = new JsonLinesSink(output);

        await sink.EmitAsync([new Alert(FindingJsonTests.Full)], TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(output.ToString().TrimEnd('\n'));
        var read = FindingJson.Read(json.RootElement);
        Assert.Equal(FindingJsonTests.Full with { Evidence = read.Evidence, Techniques = read.Techniques }, read);
        Assert.Equal(FindingJsonTests.Full.Evidence, read.Evidence);
    }

    [Fact]
    public async Task Non_ascii_text_is_written_unescaped()
    {
        var output = new StringWriter();
        var sink = new JsonLinesSink(output);

        await sink.EmitAsync([new Alert(FindingJsonTests.Full)], TestContext.Current.CancellationToken);

        Assert.Contains("took 5× longer", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"timestamp\":\"2026-10-04T09:30:15.1230000Z\"", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_batch_writes_nothing()
    {
        var output = new StringWriter();
        var sink = new JsonLinesSink(output);

        await sink.EmitAsync([], TestContext.Current.CancellationToken);

        Assert.Equal(string.Empty, output.ToString());
    }
}
