using System.Globalization;
using PipeWatch.Events;
using PipeWatch.Sources.Intake;
using PipeWatch.Sources.Runner.Agent;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Agent;

/// <summary>The agent over real processes: eBPF or strace following a script that reaches a loopback HTTP server with curl and wget.</summary>
public sealed class AgentSessionTests : IDisposable
{
    private readonly AgentJob _job = new();
    private readonly CountingHttpServer _server = new();

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task Every_curl_and_wget_and_each_connection_is_recorded_with_its_parent_the_script(AgentMode mode)
    {
        await _job.UseAsync(mode);
        var url = $"http://127.0.0.1:{_server.Port}";
        var result = await _job.RunAsync(
            $"""
            curl -s -o /dev/null {url}/a
            curl -s -o /dev/null {url}/b
            wget -q -O /dev/null {url}/c
            curl -s -o /dev/null {url}/d &
            wget -q -O /dev/null {url}/e &
            wait
            exit 3
            """,
            runId: "101");

        Assert.Equal((3, mode.ToString().ToLowerInvariant(), AgentJob.Missed(mode)), (result.ExitCode, result.Mode, result.Missed));
        Assert.Equal(5, _server.Requests);
        var lines = _job.Lines();
        var processes = lines.Where(l => l["event.category"] == "process").ToList();
        var script = Assert.Single(processes, p => p["process.command_line"] == "sh " + Path.Combine(_job.Folder, "job-101.sh"));
        Assert.Equal("3", script["process.exit_code"]);
        var tools = processes.Where(p => p["process.name"] is "curl" or "wget").ToList();
        Assert.Equal(["curl", "curl", "curl", "wget", "wget"], tools.Select(p => p["process.name"]).Order());
        Assert.All(tools, p =>
        {
            Assert.Equal(script["process.pid"], p["process.parent.pid"]);
            Assert.Equal(script["process.executable"], p["process.parent.executable"]);
            Assert.Equal(_job.Folder, p["process.working_directory"]);
            Assert.Equal("0", p["process.exit_code"]);
            Assert.True(long.Parse(p["event.duration"], CultureInfo.InvariantCulture) > 0);
        });
        Assert.Equal(
            ["/a", "/b", "/c", "/d", "/e"],
            tools.Select(p => p["process.command_line"].Split(' ')[^1][url.Length..]).Order());

        // No name was looked up: no DNS record, no name on a connection.
        Assert.DoesNotContain(lines, l => l.ContainsKey("dns.question.name") || l.ContainsKey("destination.domain") || l.GetValueOrDefault("network.protocol") == "dns");

        // Each tool's own connection to the server, by pid; nothing else reached.
        var connections = lines.Where(l => l["event.category"] == "network").ToList();
        Assert.All(connections, c => Assert.Equal(("127.0.0.1", _server.Port.ToString(CultureInfo.InvariantCulture)), (c["destination.ip"], c["destination.port"])));
        foreach (var tool in tools)
        {
            var own = Assert.Single(connections, c => c["process.pid"] == tool["process.pid"] && c["network.transport"] == "tcp");
            Assert.Equal((tool["process.name"], tool["process.command_line"], "success"), (own["process.name"], own["process.command_line"], own["event.outcome"]));
            // Its request, sent by curl with send() and by wget with write(): at least the request line and the Host header.
            var path = tool["process.command_line"].Split(' ')[^1][url.Length..];
            Assert.InRange(long.Parse(own["source.bytes"], CultureInfo.InvariantCulture), $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{_server.Port}\r\n".Length, 1024);
        }

        var summary = Assert.Single(lines, l => l["event.action"] == "resource-summary");
        Assert.Equal(("3", "Test", "101", AgentJob.Repository), (summary["process.exit_code"], summary["ci.step"], summary["ci.run_id"], summary["ci.repository"]));
        Assert.Equal(connections.Count.ToString(CultureInfo.InvariantCulture), summary["runner.network.connections"]);
        Assert.True(long.Parse(summary["runner.network.sent_bytes"], CultureInfo.InvariantCulture) > 5 * "GET / HTTP/1.1\r\n".Length);
    }

    [Fact]
    public async Task The_agent_lines_are_read_by_the_payload_reader_as_telemetry_events_tied_to_the_run()
    {
        await _job.RunAsync($"curl -s -o /dev/null http://127.0.0.1:{_server.Port}/\n", runId: "102");

        var result = await PayloadReader.Default.ReadAsync(await File.ReadAllBytesAsync(_job.Events, TestContext.Current.CancellationToken), PayloadOrigin.File(_job.Events), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(result.Problems);
        Assert.Equal(_job.Lines().Count, result.Events.Count);
        Assert.All(result.Events, e => Assert.Equal((EventKind.Telemetry, "acme/app", "CI", "102", "build"), (e.Kind, e.Ci.Repository, e.Ci.Pipeline, e.Ci.RunId, e.Ci.Job)));
        var curl = Assert.Single(result.Events, e => e.Dataset == "runner.agent.process" && e.Fields["process.name"] == "curl");
        Assert.Equal("exec", curl.Action);
        Assert.NotNull(curl.Duration);
        var connection = Assert.Single(result.Events, e => e.Dataset == "runner.agent.network");
        Assert.Equal((Outcome.Success, "curl"), (connection.Outcome, connection.Fields["process.name"]));
    }

    // The curl (and its namespace) has usually exited by the time its lines are read: the name comes from the traced bind
    // mount, whose source file is read when the mount is seen, not from /proc.
    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task A_name_from_a_hosts_file_entry_is_reported_on_the_connection(AgentMode mode)
    {
        await _job.UseAsync(mode);
        // A private /etc/hosts in a user and mount namespace of the job's own: the machine's file is not touched.
        var result = await _job.RunAsync(
            $"""
            printf '127.0.0.1 localhost\n127.0.0.1 build-cache.pipewatch.test\n' > hosts
            unshare -rm sh -c "mount --bind $PWD/hosts /etc/hosts && curl -s -o /dev/null http://build-cache.pipewatch.test:{_server.Port}/"
            """,
            runId: "103");

        Assert.Equal(0, result.ExitCode);
        var connection = Assert.Single(_job.Lines(), l => l["event.category"] == "network" && l["network.transport"] == "tcp");
        Assert.Equal(("build-cache.pipewatch.test", "127.0.0.1", "curl"), (connection["destination.domain"], connection["destination.ip"], connection["process.name"]));
        // Named from the hosts file: no DNS question asked it.
        Assert.False(connection.ContainsKey("dns.question.name"));
    }

    // A private /etc/resolv.conf (the hosts-file test's mount trick) sends the job's lookups to a real DNS server on loopback.
    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task A_name_resolved_through_a_dns_server_is_on_the_connection_the_queries_and_the_egress_baseline(AgentMode mode)
    {
        const string Name = "build-cache.pipewatch.test";
        await AgentJob.RequireAsync(mode);
        using var dns = LoopbackDnsServer.Start((Name, "127.0.0.1"));
        using var other = new CountingHttpServer();
        _job.Mode = mode;
        var result = await _job.RunAsync(
            $"""
            printf 'nameserver {dns.Address}\n' > resolv.conf
            unshare -rm sh -c "mount --bind $PWD/resolv.conf /etc/resolv.conf && curl -s -o /dev/null http://{Name}:{_server.Port}/ && curl -s -o /dev/null http://{Name}:{other.Port}/"
            """,
            runId: "106");

        Assert.Equal((0, 1, 1), (result.ExitCode, _server.Requests, other.Requests));
        var lines = _job.Lines();
        var tcp = lines.Where(l => l["event.category"] == "network" && l.GetValueOrDefault("network.transport") == "tcp").ToList();
        Assert.Equal(
            [(Name, Name, "127.0.0.1", _server.Port.ToString(CultureInfo.InvariantCulture), "curl"), (Name, Name, "127.0.0.1", other.Port.ToString(CultureInfo.InvariantCulture), "curl")],
            tcp.Select(c => (c.GetValueOrDefault("destination.domain"), c.GetValueOrDefault("dns.question.name"), c["destination.ip"], c["destination.port"], c["process.name"])));

        // Each curl asked for A and AAAA, of the server, over UDP.
        var queries = lines.Where(l => l["event.action"] == "dns-query").ToList();
        Assert.Equal([("A", Name), ("A", Name), ("AAAA", Name), ("AAAA", Name)], queries.Select(q => (q["dns.question.type"], q["dns.question.name"])).Order());
        Assert.All(queries, q => Assert.Equal((dns.Address, "53", "udp", "dns", "curl"), (q["destination.ip"], q["destination.port"], q["network.transport"], q["network.protocol"], q["process.name"])));

        // The resolver's socket to the server, with the bytes of both questions (12-byte header, the name, type and class).
        var sockets = lines.Where(l => l["event.action"] != "dns-query" && l.GetValueOrDefault("destination.port") == "53").ToList();
        Assert.Equal(2, sockets.Count);
        Assert.All(sockets, u => Assert.Equal((dns.Address, "udp", (long?)(2 * (12 + Name.Length + 2 + 4))), (u["destination.ip"], u["network.transport"], u.TryGetValue("source.bytes", out var b) ? (long?)long.Parse(b, CultureInfo.InvariantCulture) : null)));

        // The egress baseline keeps the name: five runs of the job's records without the second server, then all of them
        // (the records as the agent wrote them, as runs of their own).
        var records = File.ReadAllLines(_job.Events).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!.AsObject()).ToList();
        var otherPort = other.Port.ToString(CultureInfo.InvariantCulture);
        var runs = Enumerable.Range(1, 6).SelectMany(run => (run < 6 ? records.Where(r => r["destination.port"]?.ToJsonString() != otherPort) : records).Select(r =>
        {
            var copy = r.DeepClone().AsObject();
            copy["ci.run_id"] = run.ToString(CultureInfo.InvariantCulture);
            // A run of its own: the store's ledger skips an event id it has.
            copy["event.id"] = $"{copy["event.id"]}-{run}";
            return copy.ToJsonString();
        }));
        await File.WriteAllLinesAsync(_job.Events, runs, TestContext.Current.CancellationToken);
        var ingest = await _job.IngestAsync();
        var finding = Assert.Single(ingest.Findings, f => f.Rule == "network.unusual-egress");
        Assert.Equal(($"Job 'build' of 'CI' reached a new endpoint: {Name}:{other.Port} (curl)", "6"), (finding.Title, finding.Location.RunId));
        Assert.Contains($"{Name}:{_server.Port}", finding.Explanation[finding.Explanation.IndexOf("The baseline holds", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.DoesNotContain($"127.0.0.1:", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_takes_ebpf_first_then_strace_where_bpftrace_cannot_load_then_proc()
    {
        using var folder = new TempFolder();

        async Task<AgentResult> RunAsync(string strace, string bpftrace)
        {
            await using var output = new AgentFileOutput(folder.File($"{Guid.NewGuid():N}.jsonl"));
            var options = new AgentOptions { Command = ["true"], Mode = AgentMode.Auto, Strace = strace, Bpftrace = bpftrace, WorkingDirectory = folder.Path, Ci = CiVariables.From(_ => null) };
            return await AgentSession.RunAsync(options, [output], cancellationToken: TestContext.Current.CancellationToken);
        }

        // A bpftrace that passes the checks (its --version works) but cannot load a program, as under a seccomp profile refusing bpf().
        var cannotLoad = folder.File("bpftrace-that-cannot-load");
        await File.WriteAllTextAsync(cannotLoad, "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'bpftrace v0.17.0'; exit 0; }\necho 'ERROR: Could not load program: Operation not permitted' >&2\nexit 1\n", TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(cannotLoad, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var usual = await RunAsync("strace", "bpftrace");
        var noBpftrace = await RunAsync("strace", folder.File("no-such-bpftrace"));
        var notLoading = await RunAsync("strace", cannotLoad);
        var neither = await RunAsync(folder.File("no-such-strace"), folder.File("no-such-bpftrace"));

        var (ebpfWorks, _) = await BpftraceProgram.ProbeAsync("bpftrace", TestContext.Current.CancellationToken);
        Assert.Equal((ebpfWorks ? "ebpf" : "strace", 0), (usual.Mode, usual.ExitCode));
        Assert.Equal(("strace", 0), (noBpftrace.Mode, noBpftrace.ExitCode));
        Assert.Equal(("strace", 0, null), (notLoading.Mode, notLoading.ExitCode, notLoading.Missed));
        Assert.Equal(("proc", 0), (neither.Mode, neither.ExitCode));
    }

    [Fact]
    public async Task Without_a_tracer_proc_polling_sees_long_processes_and_says_what_it_misses()
    {
        // Long enough that a first sample taken late on a loaded machine still finds the sleep running.
        var result = await _job.RunAsync("sleep 3\n", runId: "104", mode: AgentMode.Proc);

        Assert.Equal(("proc", 0), (result.Mode, result.ExitCode));
        Assert.StartsWith("no tracer (--mode proc): processes and connections shorter than 100 ms are missed", result.Missed);
        var lines = _job.Lines();
        var sleep = Assert.Single(lines, l => l["event.category"] == "process" && l["process.command_line"] == "sleep 3");
        var script = Assert.Single(lines, l => l["event.category"] == "process" && l["process.command_line"].EndsWith("job-104.sh", StringComparison.Ordinal));
        Assert.Equal(script["process.pid"], sleep["process.parent.pid"]);
        Assert.Equal("proc", Assert.Single(lines, l => l["event.action"] == "resource-summary")["runner.trace.mode"]);
    }

    [Fact]
    public async Task Proc_polling_sees_a_process_run_another_program_and_keeps_both()
    {
        // A wrapper that waits, then replaces itself (exec) with the program that does the work: the same pid, two programs. A
        // poll sees the wrapper first; a later poll must see the program it became (the pid's name in stat changes).
        var result = await _job.RunAsync("bash -c 'sleep 0.6; exec sleep 1.5'\n", runId: "106", mode: AgentMode.Proc);

        Assert.Equal(("proc", 0), (result.Mode, result.ExitCode));
        var lines = _job.Lines();
        var wrapper = Assert.Single(lines, l => l["event.category"] == "process" && l["process.command_line"] == "bash -c 'sleep 0.6; exec sleep 1.5'");
        var work = Assert.Single(lines, l => l["event.category"] == "process" && l["process.command_line"] == "sleep 1.5");
        Assert.Equal(wrapper["process.pid"], work["process.pid"]);
        Assert.EndsWith("/bash", wrapper["process.executable"], StringComparison.Ordinal);
        Assert.EndsWith("/sleep", work["process.executable"], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AgentJob.Tracers), MemberType = typeof(AgentJob))]
    public async Task Records_are_posted_to_ingest_with_the_bearer_token_as_json_lines(AgentMode mode)
    {
        await _job.UseAsync(mode);
        await using var ingest = new LoopbackHttpServer(_ => new HttpReply(202));
        await using var poster = new IngestPoster(new Uri($"{ingest.Url}/ingest"), "s3cret-token-for-test");

        var result = await _job.RunAsync($"curl -s -o /dev/null http://127.0.0.1:{_server.Port}/\n", runId: "105", output: poster);
        var received = ingest.Requests;

        Assert.Empty(result.OutputProblems);
        // One request per batch the writer drained (lines during the trace, then the rest at the end), in order.
        Assert.NotEmpty(received);
        Assert.All(received, request => Assert.Equal(
            ("POST", "/ingest", "Bearer s3cret-token-for-test", "application/x-ndjson", "pipewatch-agent"),
            (request.Method, request.Path, request.Headers.GetValueOrDefault("Authorization"), request.Headers.GetValueOrDefault("Content-Type"), request.Headers.GetValueOrDefault("X-PipeWatch-Format"))));
        var body = string.Concat(received.Select(r => r.Text));
        Assert.Equal(await File.ReadAllTextAsync(_job.Events, TestContext.Current.CancellationToken), body);
        var read = await PayloadReader.Default.ReadAsync(System.Text.Encoding.UTF8.GetBytes(body), PayloadOrigin.File("POST /ingest"), PayloadHint.Format("pipewatch-agent"), TestContext.Current.CancellationToken);
        Assert.Equal((result.Records, 0), (read.Events.Count, read.Problems.Count));
    }

    public void Dispose()
    {
        _server.Dispose();
        _job.Dispose();
    }
}
