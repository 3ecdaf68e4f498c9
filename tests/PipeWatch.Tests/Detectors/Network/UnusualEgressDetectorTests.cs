using PipeWatch.Detectors.Network;
using PipeWatch.Findings;
using PipeWatch.Sources.Runner.Agent;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Network;

/// <summary>Unusual egress over the real agent's records: five runs of a job reaching one loopback server make its baseline.</summary>
public sealed class UnusualEgressDetectorTests : IDisposable
{
    private readonly AgentJob _job = new();
    private readonly CountingHttpServer _usual = new();
    private readonly CountingHttpServer _other = new();

    private string Usual => $"curl -s -o /dev/null http://127.0.0.1:{_usual.Port}/\nwget -q -O /dev/null http://127.0.0.1:{_usual.Port}/\n";

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task A_sixth_run_reaching_a_second_port_is_reported_once_with_the_endpoint_the_process_and_the_step(AgentMode mode)
    {
        await _job.UseAsync(mode);
        for (var run = 1; run <= 5; run++) await _job.RunAsync(Usual, run.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _job.RunAsync(Usual + $"curl -s -o /dev/null http://127.0.0.1:{_other.Port}/x\ncurl -s -o /dev/null http://127.0.0.1:{_other.Port}/y\n", "6");

        var result = await _job.IngestAsync();

        // On failure, say what the agent recorded of the connections and what the ingest reported.
        Assert.True(result.Findings.Count == 1, string.Join("\n", _job.Lines().Where(l => l["event.category"] is "network" or "host").Select(l =>
            $"{l["ci.run_id"]} {l.GetValueOrDefault("destination.ip")}:{l.GetValueOrDefault("destination.port")} {l.GetValueOrDefault("process.command_line")} {l.GetValueOrDefault("runner.trace.missed")}"))
            + "\n" + string.Join("\n", result.Problems) + "\n" + string.Join("\n", result.Findings.Select(f => f.Title)));
        var finding = Assert.Single(result.Findings);
        var endpoint = $"127.0.0.1:{_other.Port}";
        Assert.Equal(("network.unusual-egress", Categories.UnusualEgress, Severity.Medium), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal(new Entity(AgentJob.Repository, AgentJob.Pipeline, AgentJob.Job, "Test", "octocat"), finding.Entity);
        Assert.Equal("6", finding.Location.RunId);
        Assert.Equal($"Job 'build' of 'CI' reached a new endpoint: {endpoint} (curl)", finding.Title);
        Assert.Matches(
            $"^Job 'build' of 'CI' reached {endpoint}, which none of its 5 earlier runs reached \\(a baseline needs 5\\)\\. The connection was made by curl \\(pid \\d+\\), " +
            $"command line: curl -s -o /dev/null http://127\\.0\\.0\\.1:{_other.Port}/x, in step 'Test'\\. It sent (?<sent>\\d+) bytes on that connection\\. The baseline holds 1 endpoint: 127\\.0\\.0\\.1:{_usual.Port}\\.$",
            finding.Explanation);
        Assert.Equal(endpoint, finding.Evidence.Single(e => e.Name == "endpoint").Value);
        Assert.Equal("5", finding.Evidence.Single(e => e.Name == "baseline_runs").Value);
        // The bytes curl sent on that connection: its request for /x.
        var sent = finding.Evidence.Single(e => e.Name == "sent_bytes").Value;
        Assert.Equal(System.Text.RegularExpressions.Regex.Match(finding.Explanation, "It sent (\\d+) bytes").Groups[1].Value, sent);
        Assert.InRange(long.Parse(sent, System.Globalization.CultureInfo.InvariantCulture), $"GET /x HTTP/1.1\r\nHost: {endpoint}\r\n".Length, 1024);
    }

    [Fact]
    public async Task Six_runs_reaching_the_same_server_raise_nothing()
    {
        for (var run = 1; run <= 6; run++) await _job.RunAsync(Usual, run.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var result = await _job.IngestAsync();

        Assert.Empty(result.Findings);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task An_allowed_endpoint_is_not_reported_and_another_new_one_still_is()
    {
        using var third = new CountingHttpServer();
        for (var run = 1; run <= 5; run++) await _job.RunAsync(Usual, run.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _job.RunAsync(Usual + $"curl -s -o /dev/null http://127.0.0.1:{_other.Port}/\ncurl -s -o /dev/null http://127.0.0.1:{third.Port}/\n", "6");

        var result = await _job.IngestAsync([new UnusualEgressDetector(new UnusualEgressOptions { Allow = [$"127.0.0.1:{_other.Port}"] })]);

        Assert.Equal($"127.0.0.1:{third.Port}", Assert.Single(result.Findings).Evidence.Single(e => e.Name == "endpoint").Value);
    }

    [Fact]
    public async Task Before_five_runs_a_new_endpoint_is_only_learned()
    {
        for (var run = 1; run <= 4; run++) await _job.RunAsync(Usual, run.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _job.RunAsync($"curl -s -o /dev/null http://127.0.0.1:{_other.Port}/\n", "5");

        Assert.Empty((await _job.IngestAsync()).Findings);
    }

    public void Dispose()
    {
        _usual.Dispose();
        _other.Dispose();
        _job.Dispose();
    }
}
