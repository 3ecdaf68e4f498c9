using PipeWatch.Sources.Runner.Agent;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli;

/// <summary><c>pipewatch agent</c> as a program: the command's exit code, and a whole job watched through <c>agent start</c> / <c>agent stop</c>.</summary>
public sealed class AgentCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task The_agent_exits_with_the_commands_exit_code_and_says_how_it_watched()
    {
        var result = await new CliRunner(_temp.Path).RunAsync("agent", "--events", "agent.jsonl", "--mode", "strace", "--", "sh", "-c", "exit 3");

        Assert.Equal(3, result.ExitCode);
        // Two records: the program run (sh) and the summary.
        Assert.Equal("pipewatch agent: watched with strace, 2 records; the command exited with 3", Assert.Single(result.ErrorLines));
        var lines = File.ReadAllLines(_temp.File("agent.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(("sh -c 'exit 3'", "3"), (lines[0].GetProperty("process.command_line").GetString(), lines[0].GetProperty("process.exit_code").ToString()));
        Assert.Equal("resource-summary", lines[1].GetProperty("event.action").GetString());
    }

    [Fact]
    public async Task Without_an_output_the_agent_refuses_to_run()
    {
        var result = await new CliRunner(_temp.Path).RunAsync("agent", "--", "true");

        Assert.Equal((2, "pipewatch: agent: give --events FILE, --post URL or both"), (result.ExitCode, Assert.Single(result.ErrorLines)));
    }

    [Fact]
    public async Task With_the_ebpf_collector_the_agent_exits_with_the_commands_exit_code_and_says_what_ebpf_misses()
    {
        await AgentJob.RequireAsync(AgentMode.Ebpf);
        var result = await new CliRunner(_temp.Path).RunAsync("agent", "--events", "agent.jsonl", "--collector", "ebpf", "--", "sh", "-c", "exit 3");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"pipewatch agent: watched with ebpf, 2 records; the command exited with 3; missed: {AgentSession.EbpfMisses}", Assert.Single(result.ErrorLines));
        var lines = File.ReadAllLines(_temp.File("agent.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(("sh -c 'exit 3'", "3"), (lines[0].GetProperty("process.command_line").GetString(), lines[0].GetProperty("process.exit_code").ToString()));
        Assert.Equal(("resource-summary", "ebpf"), (lines[1].GetProperty("event.action").GetString(), lines[1].GetProperty("runner.trace.mode").GetString()));
    }

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task Start_and_stop_around_a_job_of_several_commands_record_each_of_them_and_their_connections(AgentMode mode)
    {
        await AgentJob.RequireAsync(mode);
        var collector = mode.ToString().ToLowerInvariant();
        using var server = new CountingHttpServer();
        var script = _temp.File("job.sh");
        await File.WriteAllTextAsync(
            script,
            $$"""
            #!/bin/sh
            pw() { dotnet "{{CliProcess.Program}}" "$@"; }
            pw agent start --pid $$ --mode {{collector}} --events agent.jsonl --repository acme/app --pipeline CI --run-id 77 --job build || exit 9
            curl -s -o /dev/null http://127.0.0.1:{{server.Port}}/one
            wget -q -O /dev/null http://127.0.0.1:{{server.Port}}/two
            ls > /dev/null
            pw agent stop
            """,
            TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using var job = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", [script]) { WorkingDirectory = _temp.Path, RedirectStandardError = true, UseShellExecute = false })!;
        var stderr = await job.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await job.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(job.ExitCode == 0, stderr);
        Assert.Contains($"pipewatch agent: watching process {job.Id} and what it starts", stderr, StringComparison.Ordinal);
        Assert.Contains($"pipewatch agent: watched process {job.Id} with {collector}, ", stderr, StringComparison.Ordinal);
        var lines = File.ReadLines(_temp.File("agent.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        string Field(System.Text.Json.JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : string.Empty;
        var programs = lines.Where(l => Field(l, "event.category") == "process" && Field(l, "process.parent.pid") == job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(l => Field(l, "process.name")).ToList();
        Assert.Contains("curl", programs);
        Assert.Contains("wget", programs);
        Assert.Contains("ls", programs);
        var connections = lines.Where(l => Field(l, "event.category") == "network" && Field(l, "destination.port") == server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(["curl", "wget"], connections.Select(c => Field(c, "process.name")).Distinct().Order());
        Assert.All(lines, l => Assert.Equal(("acme/app", "77"), (Field(l, "ci.repository"), Field(l, "ci.run_id"))));
        Assert.Equal(job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Field(Assert.Single(lines, l => Field(l, "event.action") == "resource-summary"), "process.pid"));
        Assert.False(File.Exists(_temp.File(Path.Combine(".pipewatch", "agent.state"))));
    }

    public void Dispose() => _temp.Dispose();
}
