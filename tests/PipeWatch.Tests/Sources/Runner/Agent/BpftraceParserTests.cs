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

    [Fact]
    public void A_resolvers_two_questions_in_one_sendmmsg_and_their_answers_are_read_with_the_sockets_peer()
    {
        // getent ahosts through glibc: a UDP socket connected to the server, A and AAAA sent together, each answer read with recvfrom.
        var events = Read(
            @"c 836445029907 16833 -2",
            @"c 836448130131 16833 -2",
            @"C 836448261257 16833 16833 3 2 18446612686537109312 53 127.0.5.3",
            @"c 836448285723 16833 0",
            @"W 836448333955 16833 16833 3 2 88 2 53 50659455 0 0 0",
            @"P 836448412953 16833 44 \xab\x09\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0bbuild-cache\x09pipewatch\x04test\x00\x00\x01\x00\x01",
            @"P 836448421586 16833 44 \x08\x0b\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0bbuild-cache\x09pipewatch\x04test\x00\x00\x1c\x00\x01",
            @"R 836448478811 16833 16833 2 2 50659455 0 0 0",
            @"P 836448485822 16833 60 \xab\x09\x85\x80\x00\x01\x00\x01\x00\x00\x00\x00\x0bbuild-cache\x09pipewatch\x04test\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x01",
            @"R 836448504119 16833 16833 2 2 50659455 0 0 0",
            @"P 836448510629 16833 44 \x08\x0b\x81\x85\x00\x01\x00\x00\x00\x00\x00\x00\x0bbuild-cache\x09pipewatch\x04test\x00\x00\x1c\x00\x01",
            @"Q 836448775794 16833 0 0");

        var connect = Assert.Single(events.OfType<ConnectEvent>());
        Assert.Equal(new ConnectEvent(16833, connect.Time, "UDP", "127.0.5.3", 53, false, null, 3), connect);
        var sends = events.OfType<SendEvent>().ToList();
        Assert.Equal(
            [("127.0.5.3", (int?)53, 88L, 0, (int?)3), ("127.0.5.3", 53, 0, 1, 3), ("127.0.5.3", 53, 0, 1, 3)],
            sends.Select(s => (s.Ip!, s.Port, s.Bytes, s.Buffers.Count, s.Fd)));
        Assert.All(sends, s => Assert.Equal((16833, "UDP"), (s.Pid, s.Protocol)));
        Assert.Equal(
            [(false, "build-cache.pipewatch.test", "A"), (false, "build-cache.pipewatch.test", "AAAA")],
            sends.Skip(1).Select(s => DnsMessage.Parse(s.Buffers[0])).Select(m => (m!.IsResponse, m.Name, m.Type)));
        var answers = events.OfType<ReceiveEvent>().ToList();
        Assert.All(answers, r => Assert.Equal((16833, "UDP", "127.0.5.3", (int?)53), (r.Pid, r.Protocol, r.Ip, r.Port)));
        Assert.Equal(
            [("A", "127.0.0.1"), ("AAAA", "")],
            answers.Select(r => DnsMessage.Parse(r.Buffer)).Select(m => (m!.Type, string.Join(",", m.Addresses))));
        // In kernel-time order: the connect, the datagram's bytes, both questions, both answers, the exit.
        Assert.Equal(
            ["ConnectEvent", "SendEvent", "SendEvent", "SendEvent", "ReceiveEvent", "ReceiveEvent", "ExitEvent", "ChildCpuEvent"],
            events.Select(e => e.GetType().Name));
    }

    [Fact]
    public void An_answer_longer_than_one_bpftrace_string_is_put_together_from_its_pieces()
    {
        // 29 A records (503 bytes, truncated by the server at 512): printed as 200 + 200 + 103 bytes.
        var events = Read(
            @"W 1335269656832 24455 24455 3 2 39 2 53 50659455 0 0 0",
            @"P 1335269699645 24455 39 \xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06mirror\x09pipewatch\x04test\x00\x00\x01\x00\x01",
            @"R 1335272164061 24455 24455 2 2 50659455 0 0 0",
            @"P 1335272189138 24455 503 \xab\xcd\x87\x80\x00\x01\x00\x1d\x00\x00\x00\x00\x06mirror\x09pipewatch\x04test\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x03\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x15\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x0b\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x16\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x06\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x17\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x0c\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x18\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x02\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x19\xc0",
            @"p 1335272196469 24455 303 \x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x0d\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x1a\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x07\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x1b\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x0e\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x1c\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x04\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x1d\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x0f\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x1e\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x08\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x1f\xc0\x0c\x00\x01\x00\x01\x00\x00\x00",
            @"p 1335272203590 24455 103 \x00\x00\x04\x7f\x00\x00\x10\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00 \xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00!\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x11\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00""\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x09");

        var answer = Assert.Single(events.OfType<ReceiveEvent>());
        Assert.Equal(503, answer.Buffer.Length);
        var message = DnsMessage.Parse(answer.Buffer)!;
        Assert.Equal(("mirror.pipewatch.test", 29), (message.Name, message.Addresses.Count));
        Assert.Equal(("127.0.0.3", "127.0.0.9"), (message.Addresses[0], message.Addresses[^1]));
        Assert.Equal(29, message.Addresses.Distinct().Count(a => a.StartsWith("127.0.0.", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_payload_holding_the_text_of_an_escape_is_dropped_and_datagrams_elsewhere_count_only_their_bytes()
    {
        // Captured: a process sent the 8 bytes "\x41\x42" to port 53 (bpftrace prints a backslash as itself), then 10 bytes to
        // port 9999, then "v6" to [::1]:53.
        var events = Read(
            @"W 1335272270199 24455 24455 3 2 8 2 53 50659455 0 0 0",
            @"P 1335272277681 24455 8 \x41\x42",
            @"W 1335272304511 24455 24455 3 2 10 2 9999 16777343 0 0 0",
            @"W 1335272348516 24455 24455 4 2 2 10 53 0 0 0 16777216",
            @"P 1335272356789 24455 2 v6",
            // A piece or a payload with no datagram of its thread before it belongs to nothing.
            @"p 1335272400000 999 10 0123456789",
            @"P 1335272400001 999 2 ab",
            // A long answer whose second piece cannot be decoded is dropped whole, and its last piece with it.
            @"R 1335272400004 24455 24455 2 2 50659455 0 0 0",
            @"P 1335272400005 24455 401 " + new string('a', 200),
            @"p 1335272400006 24455 201 " + new string('b', 199),
            @"p 1335272400007 24455 1 c",
            // More text than the length printed with it.
            @"W 1335272400002 24455 24455 3 2 2 2 53 50659455 0 0 0",
            @"P 1335272400003 24455 2 abc");

        Assert.Equal(
            [
                ("UDP", "127.0.5.3", (int?)53, 8L, ""),
                ("UDP", "127.0.0.1", 9999, 10, ""),
                ("UDPv6", "::1", 53, 2, ""),
                ("UDPv6", "::1", 53, 0, "v6"),
                ("UDP", "127.0.5.3", 53, 2, ""),
            ],
            events.OfType<SendEvent>().Select(s => (s.Protocol, s.Ip!, s.Port, s.Bytes, string.Concat(s.Buffers.Select(b => System.Text.Encoding.ASCII.GetString(b))))));
        Assert.DoesNotContain(events, e => e is ReceiveEvent);
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
