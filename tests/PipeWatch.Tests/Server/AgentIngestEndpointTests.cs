using System.Globalization;
using System.Net;
using System.Text;
using PipeWatch.Sources.Runner.Agent;
using PipeWatch.Tests.Sources.Runner.Collectors;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Server;

/// <summary>The runner agent posting to a real <c>serve</c>'s <c>/ingest</c> (and an audit log posted there), against <c>ingest</c> of the same records.</summary>
public sealed class AgentIngestEndpointTests : IDisposable
{
    private readonly AgentJob _job = new();
    private readonly CountingHttpServer _usual = new();
    private readonly CountingHttpServer _other = new();

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task The_agents_posts_and_an_audit_log_give_serve_the_findings_ingest_gives_for_the_same_records(AgentMode mode)
    {
        await _job.UseAsync(mode);
        await using var server = await RunningServer.StartAsync();
        var poster = new IngestPoster(new Uri(server.Server.Addresses[0], "/ingest"), RunningServer.IngestToken);
        await using (poster)
        {
            var usual = $"curl -s -o /dev/null http://127.0.0.1:{_usual.Port}/\nwget -q -O /dev/null http://127.0.0.1:{_usual.Port}/\n";
            for (var run = 1; run <= 5; run++)
            {
                var result = await _job.RunAsync(usual, run.ToString(CultureInfo.InvariantCulture), output: poster);
                Assert.Empty(result.OutputProblems);
            }

            // The sixth run reaches a new endpoint, and a program named like a miner reaches it too.
            var last = await _job.RunAsync(
                usual + $"curl -s -o /dev/null http://127.0.0.1:{_other.Port}/x\ncp \"$(command -v curl)\" ./xmrig\n./xmrig -s -o /dev/null http://127.0.0.1:{_other.Port}/\n", "6", output: poster);
            Assert.Empty(last.OutputProblems);
        }

        // An audit log (text, not JSON) posted as it is: read as ingest reads an audit log file.
        var audit = Path.Combine(_job.Folder, "audit.log");
        await File.WriteAllTextAsync(audit, AuditdLogTests.Miner, TestContext.Current.CancellationToken);
        using (var response = await server.PostWithTokenAsync("/ingest", Encoding.UTF8.GetBytes(AuditdLogTests.Miner), RunningServer.IngestToken))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await server.DrainedAsync();
        var served = (await server.AllFindingsAsync()).Select(f => $"{f.GetProperty("rule").GetString()} | {f.GetProperty("title").GetString()}").Order(StringComparer.Ordinal).ToList();
        var ingested = (await Ingest.RunAsync(Path.Combine(_job.Folder, "store.db"), [_job.Events, audit])).Findings
            .Select(f => $"{f.Rule} | {f.Title}").Order(StringComparer.Ordinal).ToList();

        Assert.Equal(ingested, served);
        Assert.Empty(server.Problems.Problems);
        // What they both hold: the new endpoint once, the agent's miner and the audit log's miner.
        Assert.Single(served, f => f.StartsWith($"network.unusual-egress | Job 'build' of 'CI' reached a new endpoint: 127.0.0.1:{_other.Port} (", StringComparison.Ordinal));
        Assert.Contains("performance.resource-spike | Cryptocurrency miner in job 'build': xmrig", served);
        Assert.Single(served, f => f.StartsWith("performance.resource-spike | Cryptocurrency miner on ", StringComparison.Ordinal) && f.EndsWith(": xmrig", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_audit_log_named_by_format_is_taken_and_a_text_body_that_is_not_one_is_refused()
    {
        await using var server = await RunningServer.StartAsync();

        using var named = await server.PostWithTokenAsync("/ingest?format=auditd", Encoding.UTF8.GetBytes("\n" + AuditdLogTests.Miner), RunningServer.IngestToken);
        using var text = await server.PostWithTokenAsync("/ingest", "type is not an audit record\n"u8.ToArray(), RunningServer.IngestToken);
        using var unauthorized = await server.PostWithTokenAsync("/ingest", Encoding.UTF8.GetBytes(AuditdLogTests.Miner), "wrong");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized), (named.StatusCode, text.StatusCode, unauthorized.StatusCode));
        await server.DrainedAsync();
        var finding = Assert.Single(await server.AllFindingsAsync(), f => f.GetProperty("rule").GetString() == "performance.resource-spike");
        Assert.EndsWith(": xmrig", finding.GetProperty("title").GetString());
    }

    public void Dispose()
    {
        _usual.Dispose();
        _other.Dispose();
        _job.Dispose();
    }
}
