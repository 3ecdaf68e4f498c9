using PipeWatch.Sources.Runner.Agent;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Agent;

/// <summary>The eBPF collector's reader over lines as bpftrace 0.17 prints them with <c>-f json</c> (captured from a real run of the program).</summary>
public sealed class BpftraceParserTests
{
    private const double Offset = 1_700_000_000;

    private static string Line(string data) => "{\"type\": \"printf\", \"data\": " + System.Text.Json.JsonSerializer.Serialize(data + "\n") + "}";

    private static List<TraceEvent> Read(params string[] data)
    {
        var parser = new BpftraceParser(Offset);
        foreach (var d in data) parser.Add(Line(d));
        return [.. parser.Release(0, all: true), .. parser.Finish()];
    }

    [Fact]
    public void A_curl_started_by_a_shell_gives_its_fork_exec_connection_with_the_kernels_byte_count_and_exit()
    {
        var events = Read(
            "B 73748617455015",
            "F 73748649068567 4155 4467 0",
            "E 73748649083094 4467",
            "A 4467 curl",
            "A 4467 -s",
            "A 4467 http://127.0.0.1:18081/a",
            "X 73748649312800 4467 /usr/bin/curl",
            "c 73748689975315 4467 -2",
            "C 73748692461535 4467 4467 5 1 18446612705884543936 18081 127.0.0.1",
            "c 73748692550966 4467 -115",
            "S 73748693718610 18446612705884543936 80 521",
            "Q 73748694158250 4467 768 8000000");

        Assert.Equal(
            [
                new SpawnEvent(4155, Offset + 73748.649068567, 4467, Thread: false),
                new ExecEvent(4467, Offset + 73748.6493128, "/usr/bin/curl", ["curl", "-s", "http://127.0.0.1:18081/a"]),
                new ConnectEvent(4467, Offset + 73748.692461535, "TCP", "127.0.0.1", 18081, false, "EINPROGRESS", 5, Bytes: 80),
                new ExitEvent(4467, Offset + 73748.69415825, 3, null),
                new ChildCpuEvent(4467, Offset + 73748.69415825, 4467, 0.008),
            ],
            events,
            new EventComparer());
    }

    [Fact]
    public void Lines_printed_out_of_order_by_two_cpus_are_applied_in_kernel_time_order()
    {
        // The child's exec and exit were read from another CPU's buffer before the fork that made it.
        var events = Read(
            "E 2000000000 11",
            "A 11 ls",
            "X 2000000100 11 /usr/bin/ls",
            "Q 2000000900 11 0 1000000",
            "F 1999999000 10 11 0");

        Assert.Equal(["SpawnEvent", "ExecEvent", "ExitEvent", "ChildCpuEvent"], events.Select(e => e.GetType().Name));
    }

    [Fact]
    public void A_connection_refused_before_connect_returned_still_gets_its_count_and_a_failed_one_is_written_at_once()
    {
        var events = Read(
            "C 100 7 7 3 1 18446612704728491776 18082 ::1",
            "S 101 18446612704728491776 0 0",
            "c 102 7 -115",
            "C 200 7 7 4 1 18446612704728491999 9 10.0.0.1",
            "c 201 7 -111",
            "C 300 7 7 5 2 18446612704728492000 53 127.0.0.53",
            "c 301 7 0");

        Assert.Equal(
            [
                ("TCPv6", "::1", 18082, "EINPROGRESS", (long?)0),
                ("TCP", "10.0.0.1", 9, "ECONNREFUSED", null),
                ("UDP", "127.0.0.53", 53, null, null),
            ],
            events.Cast<ConnectEvent>().Select(c => (c.Protocol, c.Ip, c.Port, c.Error, c.Bytes)));
    }

    [Fact]
    public void A_newline_in_an_argument_cannot_forge_a_record_and_a_foreign_line_is_counted()
    {
        var parser = new BpftraceParser(Offset);
        parser.Add(Line("E 100 5"));
        parser.Add(Line("A 5 sh"));
        parser.Add(Line("A 5 x\nQ 101 1 0 0\nF 102 1 666 0"));
        parser.Add(Line("X 103 5 /bin/sh"));
        parser.Add("Attaching 17 probes...");
        parser.Add(Line("Z what"));
        parser.Add("{\"type\": \"lost_events\", \"data\": {\"events\": 12}}");

        var exec = Assert.IsType<ExecEvent>(Assert.Single(parser.Release(0, all: true)));
        Assert.Equal(["sh", "x\nQ 101 1 0 0\nF 102 1 666 0"], exec.Argv);
        Assert.Equal((2, "Attaching 17 probes...", 12L), (parser.Unreadable, parser.FirstUnreadable, parser.Lost));
    }

    [Fact]
    public void A_bind_mount_on_etc_hosts_a_new_mount_namespace_a_chdir_and_signals_are_read()
    {
        var events = Read(
            "U 10 4471 4471 268566528",
            "u 11 4471 0",
            "M 12 4472 4472 4096 /tmp/a3/hosts",
            "T 4472 /etc/hosts",
            "m 13 4472 0",
            "M 14 4472 4472 278528 none",
            "T 4472 /",
            "m 15 4472 0",
            "D 16 4473 4473 /tmp",
            "d 17 4473 0",
            "D 18 4473 4473 /nowhere",
            "d 19 4473 -2",
            "Q 20 4473 9 0");

        Assert.Equal(
            [
                new MountNamespaceEvent(4471, Offset + 11e-9, Joined: false, JoinedPid: null),
                new BindMountEvent(4472, Offset + 13e-9, "/tmp/a3/hosts", "/etc/hosts"),
                new ChdirEvent(4473, Offset + 17e-9, "/tmp"),
                new ExitEvent(4473, Offset + 20e-9, null, "SIGKILL"),
            ],
            events.Where(e => e is not ChildCpuEvent),
            new EventComparer());
    }

    // Records compare by value, but times are doubles and ExecEvent's argv a list: times to the microsecond, lists by items.
    private sealed class EventComparer : IEqualityComparer<TraceEvent>
    {
        public bool Equals(TraceEvent? x, TraceEvent? y) =>
            x is not null && y is not null && x.GetType() == y.GetType() && x.Pid == y.Pid && Math.Abs(x.Time - y.Time) < 1e-6
            && (x, y) switch
            {
                (ExecEvent a, ExecEvent b) => a.Path == b.Path && a.Argv.SequenceEqual(b.Argv),
                (ChildCpuEvent a, ChildCpuEvent b) => a.Child == b.Child && Math.Abs(a.CpuSeconds - b.CpuSeconds) < 1e-9,
                _ => x with { Time = 0 } == y with { Time = 0 },
            };

        public int GetHashCode(TraceEvent obj) => obj.Pid;
    }
}
