using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Collectors;

/// <summary>Tetragon's JSON events (tetra getevents -o json), written from the documented process_exec and tcp_connect kprobe shapes, read by ingest.</summary>
public sealed class TetragonFormatTests : CollectorIngestTests
{
    private const string Bash = """{"exec_id":"cnVubmVyOjExNDI4MjQ2OTIwNzQ6MzEzMDA=","pid":31300,"uid":1001,"cwd":"/home/runner/work/app","binary":"/bin/bash","arguments":"-e job.sh","flags":"execve clone","start_time":"2026-11-20T10:04:10.000000000Z","auid":1001,"parent_exec_id":"cnVubmVyOjE6MQ==","tid":31300}""";

    private const string MinerProcess = """{"exec_id":"cnVubmVyOjExNDI4Mjc0NjcwMzc6MzEzMzc=","pid":31337,"uid":1001,"cwd":"/home/runner/work/app","binary":"/tmp/.x/xmrig","arguments":"-o stratum+tcp://pool.example.net:3333","flags":"execve","start_time":"2026-11-20T10:04:12.345678900Z","auid":1001,"parent_exec_id":"cnVubmVyOjExNDI4MjQ2OTIwNzQ6MzEzMDA=","tid":31337}""";

    private static readonly string Miner =
        $$$"""{"process_exec":{"process":{{{MinerProcess}}},"parent":{{{Bash}}}},"node_name":"gh-runner-3","time":"2026-11-20T10:04:12.345678000Z"}""" + "\n" +
        $$$"""{"process_kprobe":{"process":{{{MinerProcess}}},"parent":{{{Bash}}},"function_name":"tcp_connect","args":[{"sock_arg":{"family":"AF_INET","type":"SOCK_STREAM","protocol":"IPPROTO_TCP","saddr":"10.1.0.4","daddr":"198.51.100.23","sport":51514,"dport":3333,"cookie":"18446635298603169024","state":"TCP_SYN_SENT"}}],"action":"KPROBE_ACTION_POST","policy_name":"monitor-network-activity"},"node_name":"gh-runner-3","time":"2026-11-20T10:04:12.400000000Z"}""";

    private static readonly string Build =
        $$$"""{"process_exec":{"process":{"exec_id":"cnVubmVyOjI6MzIwMDA=","pid":32000,"uid":1001,"cwd":"/home/runner/work/app","binary":"/usr/bin/git","arguments":"fetch origin","flags":"execve","start_time":"2026-11-20T10:05:00.000000000Z","auid":1001,"tid":32000},"parent":{{{Bash}}}},"node_name":"gh-runner-3","time":"2026-11-20T10:05:00.000000000Z"}""" + "\n" +
        $$$"""{"process_kprobe":{"process":{"exec_id":"cnVubmVyOjI6MzIwMDA=","pid":32000,"binary":"/usr/bin/git","arguments":"fetch origin","start_time":"2026-11-20T10:05:00.000000000Z"},"function_name":"tcp_connect","args":[{"sock_arg":{"family":"AF_INET6","type":"SOCK_STREAM","protocol":"IPPROTO_TCP","saddr":"fd00::4","daddr":"2606:50c0:8000::154","sport":40022,"dport":443}}],"action":"KPROBE_ACTION_POST","policy_name":"monitor-network-activity"},"node_name":"gh-runner-3","time":"2026-11-20T10:05:01.000000000Z"}""" + "\n" +
        """{"process_exit":{"process":{"exec_id":"cnVubmVyOjI6MzIwMDA=","pid":32000,"binary":"/usr/bin/git","arguments":"fetch origin"},"signal":"","status":0,"time":"2026-11-20T10:05:02.000000000Z"},"node_name":"gh-runner-3","time":"2026-11-20T10:05:02.000000000Z"}""" + "\n" +
        """{"process_kprobe":{"process":{"pid":32000,"binary":"/usr/bin/git"},"function_name":"tcp_close","args":[{"sock_arg":{"family":"AF_INET6","daddr":"2606:50c0:8000::154","dport":443}}]},"node_name":"gh-runner-3","time":"2026-11-20T10:05:02.100000000Z"}""";

    protected override string FileName => "tetragon.jsonl";

    protected override string MinerRecords => Miner;

    protected override string BuildRecords => Build;

    [Fact]
    public async Task A_process_exec_is_a_program_start_and_a_tcp_connect_kprobe_a_connection()
    {
        var events = await EventFiles.ReadAsync(Write("tetragon.jsonl", Miner));

        Assert.Equal(2, events.Count);
        var exec = events[0];
        Assert.Equal((EventKind.Telemetry, "tetragon.process", "exec", "tetragon:cnVubmVyOjExNDI4Mjc0NjcwMzc6MzEzMzc="), (exec.Kind, exec.Dataset, exec.Action, exec.Id));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 4, 12, TimeSpan.Zero).AddTicks(3456789), exec.Timestamp);
        Assert.Equal(
            ("/tmp/.x/xmrig", "xmrig", "/tmp/.x/xmrig -o stratum+tcp://pool.example.net:3333", "31337", "/home/runner/work/app", "31300", "/bin/bash", "bash", "/bin/bash -e job.sh", "1001", "gh-runner-3"),
            (exec.Fields["process.executable"], exec.Fields["process.name"], exec.Fields["process.command_line"], exec.Fields["process.pid"], exec.Fields["process.working_directory"],
             exec.Fields["process.parent.pid"], exec.Fields["process.parent.executable"], exec.Fields["process.parent.name"], exec.Fields["process.parent.command_line"], exec.Fields["user.id"], exec.Fields["host.name"]));
        var connect = events[1];
        Assert.Equal(("tetragon.network", "connection-attempted"), (connect.Dataset, connect.Action));
        Assert.Equal(("198.51.100.23", "3333", "10.1.0.4", "tcp", "ipv4", "xmrig", "monitor-network-activity"),
            (connect.Fields["destination.ip"], connect.Fields["destination.port"], connect.Fields["source.ip"], connect.Fields["network.transport"], connect.Fields["network.type"], connect.Fields["process.name"], connect.Fields["rule.name"]));
    }

    [Fact]
    public async Task Exits_and_other_kprobes_are_read_as_no_event()
    {
        var events = await EventFiles.ReadAsync(Write("tetragon.jsonl", Build));

        Assert.Equal([("tetragon.process", null), ("tetragon.network", "2606:50c0:8000::154")], events.Select(e => (e.Dataset, e.Fields.GetValueOrDefault("destination.ip"))));
    }
}
