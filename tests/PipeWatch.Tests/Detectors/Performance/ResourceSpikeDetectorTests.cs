using PipeWatch.Detectors.Performance;
using PipeWatch.Findings;
using PipeWatch.Sources.Runner.Agent;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Performance;

/// <summary>Resource spikes and miners over the real agent's records of real processes.</summary>
public sealed class ResourceSpikeDetectorTests : IDisposable
{
    private readonly AgentJob _job = new();

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task A_run_that_burns_every_core_is_reported_against_the_steps_cpu_baseline(AgentMode mode)
    {
        await _job.UseAsync(mode);
        for (var run = 1; run <= 5; run++) await _job.RunAsync("ls > /dev/null\n", run.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Every core busy (a miner's shape): each loop spins until it has used 1.5 CPU-seconds, so the step uses that much however
        // loaded the machine is (a loop bounded by wall time got under 0.5 CPU-seconds at load 50). The CPU floor is lowered from 10 to
        // 0.5 CPU-seconds so the test stays short.
        await _job.RunAsync(
            "for i in $(seq $(nproc)); do python3 -c 'import time\nwhile time.process_time() < 1.5: pass' & done\nwait\n", "6");

        var result = await _job.IngestAsync([new ResourceSpikeDetector(new ResourceSpikeOptions { MinimumCpuIncreaseSeconds = 0.5 })]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(("performance.resource-spike", Categories.ResourceSpike), (finding.Rule, finding.Category));
        Assert.Equal(new Entity(AgentJob.Repository, AgentJob.Pipeline, AgentJob.Job, "Test", "octocat"), finding.Entity);
        Assert.Equal("6", finding.Location.RunId);
        Assert.Equal("cpu", finding.Evidence.Single(e => e.Name == "metric").Value);
        var observed = double.Parse(finding.Evidence.Single(e => e.Name == "observed").Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(observed, 1.5, 2.5 * Environment.ProcessorCount);
        Assert.StartsWith($"Step 'Test' of job 'build' used {observed:0.#} CPU-seconds of CPU time; its baseline is a median of ", finding.Explanation);
        Assert.Contains(" over 5 runs: ", finding.Explanation);
        Assert.Equal("T1496", Assert.Single(finding.Techniques));
    }

    [Fact]
    public async Task Six_ordinary_runs_raise_nothing()
    {
        for (var run = 1; run <= 6; run++) await _job.RunAsync("ls > /dev/null\nsleep 0.2\n", run.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var result = await _job.IngestAsync([new ResourceSpikeDetector(new ResourceSpikeOptions { MinimumCpuIncreaseSeconds = 2 })]);

        Assert.Empty(result.Findings);
    }

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task A_program_named_like_a_known_miner_connecting_to_a_local_port_is_reported_at_once(AgentMode mode)
    {
        await _job.UseAsync(mode);
        using var pool = new CountingHttpServer();
        var result = await _job.RunAsync($"cp \"$(command -v curl)\" ./xmrig\n./xmrig -s -o /dev/null http://127.0.0.1:{pool.Port}/\n", "1");
        Assert.Equal(0, result.ExitCode);

        // The built-in Sigma pack's miner rule matches too, under its own rule id.
        var findings = (await _job.IngestAsync()).Findings.Where(f => f.Rule == "performance.resource-spike").ToList();

        var finding = Assert.Single(findings);
        Assert.Equal((Severity.High, "Cryptocurrency miner in job 'build': xmrig"), (finding.Severity, finding.Title));
        Assert.StartsWith("In run 1 of 'CI', job 'build', step 'Test', xmrig looks like a miner: a known miner program, 'xmrig'.", finding.Explanation);
        Assert.Equal("xmrig", finding.Evidence.Single(e => e.Name == "program").Value);
        Assert.Equal($"./xmrig -s -o /dev/null http://127.0.0.1:{pool.Port}/", finding.Evidence.Single(e => e.Name == "command_line").Value);
        Assert.Equal(1, pool.Requests);
    }

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task A_step_that_sends_megabytes_where_it_sent_a_request_names_where_the_bytes_went(AgentMode mode)
    {
        await _job.UseAsync(mode);
        using var usual = new CountingHttpServer();
        using var drop = new CountingHttpServer();
        for (var run = 1; run <= 5; run++) await _job.RunAsync($"curl -s -o /dev/null http://127.0.0.1:{usual.Port}/\n", run.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // 2 MiB posted to another local server (an exfiltration's shape); the floor lowered from 50 MiB to 1 MiB.
        await _job.RunAsync(
            $"head -c 2097152 /dev/zero > blob\ncurl -s -o /dev/null http://127.0.0.1:{usual.Port}/\ncurl -s -o /dev/null -H 'Expect:' --data-binary @blob http://127.0.0.1:{drop.Port}/upload\n", "6");

        var result = await _job.IngestAsync([new ResourceSpikeDetector(new ResourceSpikeOptions { MinimumSentIncreaseBytes = 1 << 20 })]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(("sent", $"127.0.0.1:{drop.Port}"), (finding.Evidence.Single(e => e.Name == "metric").Value, finding.Evidence.Single(e => e.Name == "top_destination").Value));
        Assert.StartsWith("Step 'Test' of job 'build' used 2 MiB of bytes sent; ", finding.Explanation);
        Assert.Contains($" The most bytes went to 127.0.0.1:{drop.Port} (2 MiB).", finding.Explanation);
        Assert.Equal((6, 1), (usual.Requests, drop.Requests));
    }

    public void Dispose() => _job.Dispose();
}
