using PipeWatch.Sources.Runner.Agent;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Agent;

/// <summary>strace's output lines (strace 6, -f -ttt -q -yy), as captured from real runs, read into trace events.</summary>
public sealed class StraceParserTests
{
    private readonly StraceParser _parser = new();

    [Fact]
    public void An_execve_gives_the_path_and_every_argument()
    {
        var e = Assert.IsType<ExecEvent>(Assert.Single(_parser.Parse(
            """31058 1796542194.260539 execve("/usr/bin/curl", ["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:1/\"a, b]\""], 0x562b978dfc18 /* 43 vars */) = 0""")));

        Assert.Equal((31058, "/usr/bin/curl"), (e.Pid, e.Path));
        Assert.Equal(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:1/\"a, b]\""], e.Argv);
        Assert.Equal(1796542194.260539, e.Time, 6);
    }

    [Fact]
    public void A_pid_padded_to_the_column_of_longer_pids_is_read()
    {
        var e = Assert.IsType<ExecEvent>(Assert.Single(_parser.Parse("""3229  1796548939.471387 execve("/usr/bin/sh", ["sh", "-c", "exit 3"], 0x7ffd6a912fc0 /* 43 vars */) = 0""")));

        Assert.Equal((3229, "/usr/bin/sh"), (e.Pid, e.Path));
        Assert.Equal(0, _parser.Unreadable);
    }

    [Fact]
    public void A_failed_execve_of_a_path_search_is_not_a_program_run()
    {
        Assert.Empty(_parser.Parse("""31057 1796542194.1 execve("/usr/local/bin/curl", ["curl"], 0x7ffd /* 43 vars */) = -1 ENOENT (No such file or directory)"""));
    }

    [Fact]
    public void A_connect_split_across_lines_is_joined_and_read_with_its_outcome()
    {
        Assert.Empty(_parser.Parse("""31058 1796542194.3 connect(5<TCP:[595609]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("10.1.2.3")}, 16 <unfinished ...>"""));
        Assert.Empty(_parser.Parse("""31059 1796542194.31 clone(child_stack=NULL, flags=CLONE_VM|CLONE_THREAD|SIGCHLD <unfinished ...>"""));

        var e = Assert.IsType<ConnectEvent>(Assert.Single(_parser.Parse("""31058 1796542194.4 <... connect resumed>) = -1 ECONNREFUSED (Connection refused)""")));

        Assert.Equal((31058, "TCP", "10.1.2.3", 443, false, "ECONNREFUSED"), (e.Pid, e.Protocol, e.Ip, e.Port, e.V6, e.Error));
        var thread = Assert.IsType<SpawnEvent>(Assert.Single(_parser.Parse("""31059 1796542194.5 <... clone resumed>, child_tidptr=0x7f) = 31070""")));
        Assert.Equal((31059, 31070, true), (thread.Pid, thread.Child, thread.Thread));
    }

    [Fact]
    public void An_ipv6_connect_in_progress_is_an_attempt_without_error_text_lost()
    {
        var e = Assert.IsType<ConnectEvent>(Assert.Single(_parser.Parse(
            """400 1796542194.6 connect(3<TCPv6:[7001]>, {sa_family=AF_INET6, sin6_port=htons(8443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS (Operation now in progress)""")));

        Assert.Equal(("TCPv6", "::1", 8443, true, "EINPROGRESS"), (e.Protocol, e.Ip, e.Port, e.V6, e.Error));
    }

    [Fact]
    public void A_dns_question_on_a_connected_socket_is_read_from_its_octal_escaped_buffer()
    {
        var send = Assert.IsType<SendEvent>(Assert.Single(_parser.Parse(
            """32621 1796542194.323623 sendto(4<UDP:[127.0.0.1:37138->127.0.0.53:53]>, "\0224\1\0\0\1\0\0\0\0\0\0\3foo\3bar\0\0\1\0\1", 25, MSG_NOSIGNAL, NULL, 0) = 25""")));

        Assert.Equal(("UDP", "127.0.0.53", 53, 25L), (send.Protocol, send.Ip, send.Port, send.Bytes));
        var question = DnsMessage.Parse(Assert.Single(send.Buffers));
        Assert.NotNull(question);
        Assert.Equal((false, "foo.bar", "A", 0), (question.IsResponse, question.Name, question.Type, question.Addresses.Count));
    }

    [Fact]
    public void A_dns_answer_gives_the_addresses_of_the_name()
    {
        // foo.bar A → 93.184.216.34, the answer's name a compression pointer to the question's.
        var answer = "\"\\0224\\201\\200\\0\\1\\0\\1\\0\\0\\0\\0\\3foo\\3bar\\0\\0\\1\\0\\1\\300\\f\\0\\1\\0\\1\\0\\0\\0<\\0\\4]\\270\\330\\\"\"";
        var e = Assert.IsType<ReceiveEvent>(Assert.Single(_parser.Parse(
            $$"""32621 1796542194.4 recvfrom(4<UDP:[127.0.0.1:37138->127.0.0.53:53]>, {{answer}}, 2048, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, [28 => 16]) = 41""")));

        var message = DnsMessage.Parse(e.Buffer);

        Assert.NotNull(message);
        Assert.Equal((true, "foo.bar", "A"), (message.IsResponse, message.Name, message.Type));
        Assert.Equal(["93.184.216.34"], message.Addresses);
    }

    [Fact]
    public void Exits_and_sigchld_cpu_times_are_read()
    {
        Assert.Equal(new ExitEvent(21830, 1796543549.735382, 124, null), Assert.Single(_parser.Parse("21830 1796543549.735382 +++ exited with 124 +++")));
        Assert.Equal(new ExitEvent(7, 1.5, null, "SIGKILL"), Assert.Single(_parser.Parse("7 1.5 +++ killed by SIGKILL +++")));
        var cpu = Assert.IsType<ChildCpuEvent>(Assert.Single(_parser.Parse(
            "21830 1796543549.735220 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=21831, si_uid=0, si_status=SIGTERM, si_utime=12 /* 0.12 s */, si_stime=3} ---")));
        Assert.Equal((21831, 0.15, null, "SIGTERM"), (cpu.Child, cpu.CpuSeconds, cpu.Code, cpu.Signal));
    }

    [Fact]
    public void A_write_on_a_connected_socket_is_bytes_sent_on_that_fd_and_a_write_to_a_file_is_nothing()
    {
        var send = Assert.IsType<SendEvent>(Assert.Single(_parser.Parse(
            """14153 1796574048.804160 write(4<TCP:[127.0.0.1:49546->127.0.0.1:18765]>, "GET /x HTTP/1.1\r\nHost: 127.0.0.1:18765\r\nUser-Agent: Wget/1.21.3\r"..., 131) = 131""")));

        Assert.Equal(("TCP", "127.0.0.1", 18765, 131L, 4, 0), (send.Protocol, send.Ip, send.Port, send.Bytes, send.Fd, send.Buffers.Count));
        Assert.Empty(_parser.Parse("""14153 1796574048.9 write(3</tmp/out.o>, "\177ELF"..., 4096) = 4096"""));
        Assert.Empty(_parser.Parse("""14153 1796574048.9 write(1<pipe:[1234]>, "ok\n", 3) = 3"""));
        var connect = Assert.IsType<ConnectEvent>(Assert.Single(_parser.Parse(
            """4981 1796573443.401129 connect(5<TCP:[2457425]>, {sa_family=AF_INET, sin_port=htons(18765), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)""")));
        Assert.Equal(5, connect.Fd);
    }

    [Fact]
    public void A_file_write_split_over_two_lines_and_a_read_from_a_pipe_are_nothing_and_not_unreadable_while_a_split_socket_write_still_counts()
    {
        Assert.Empty(_parser.Parse("""16289 1796585985.243082 write(3</tmp/ccOXGJfx.s>, "\t.file\t\"f1.c\"\n\t.text\n"..., 480 <unfinished ...>"""));
        Assert.Empty(_parser.Parse("""16290 1796585985.2431 write(4<TCP:[127.0.0.1:49546->127.0.0.1:18765]>, "GET / HTTP/1.1\r\n"..., 77 <unfinished ...>"""));
        Assert.Empty(_parser.Parse("""16289 1796585985.245 <... write resumed>) = 480"""));
        Assert.Empty(_parser.Parse("""16289 1796585985.246 recvfrom(5<pipe:[3022103]>, "+", 1, 0, NULL, NULL) = 1"""));
        Assert.Empty(_parser.Parse("""16289 1796585985.246 write(7, "x", 1) = 1"""));
        var send = Assert.IsType<SendEvent>(Assert.Single(_parser.Parse("""16290 1796585985.247 <... write resumed>) = 77""")));

        Assert.Equal(("127.0.0.1", 18765, 77L, 4), (send.Ip, send.Port, send.Bytes, send.Fd));
        Assert.Equal(0, _parser.Unreadable);
    }

    [Fact]
    public void Namespace_and_bind_mount_calls_are_read()
    {
        Assert.Equal(new MountNamespaceEvent(4979, 1796573443.385731, false, null), Assert.Single(_parser.Parse("4979 1796573443.385731 unshare(CLONE_NEWNS|CLONE_NEWUSER) = 0")));
        Assert.Empty(_parser.Parse("4979 1796573443.4 unshare(CLONE_NEWUSER) = 0"));
        Assert.Equal(new BindMountEvent(4980, 1796573443.388116, "/tmp/hoststest/hosts", "/etc/hosts"), Assert.Single(_parser.Parse(
            """4980 1796573443.388116 mount("/tmp/hoststest/hosts", "/etc/hosts", 0x556b88fcffd0, MS_BIND, NULL) = 0""")));
        Assert.Empty(_parser.Parse("""4979 1796573443.385890 mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL) = 0"""));
        Assert.Equal(new UnmountEvent(14158, 1796574048.943401, "/etc/hosts"), Assert.Single(_parser.Parse("""14158 1796574048.943401 umount2("/etc/hosts", 0) = 0""")));
        var spawn = Assert.IsType<SpawnEvent>(Assert.Single(_parser.Parse(
            "700 1.5 clone(child_stack=NULL, flags=CLONE_NEWNS|CLONE_NEWPID|SIGCHLD, child_tidptr=0x7f) = 701")));
        Assert.Equal((701, false, true), (spawn.Child, spawn.Thread, spawn.NewMountNamespace));
        Assert.Equal(new MountNamespaceEvent(700, 2.0, true, 650), Assert.Single(_parser.Parse("700 2.0 setns(3</proc/650/ns/mnt>, CLONE_NEWNS) = 0")));
        Assert.Equal(new MountNamespaceEvent(700, 2.1, true, null), Assert.Single(_parser.Parse("700 2.1 setns(4<mnt:[4026532481]>, 0) = 0")));
        Assert.Equal(0, _parser.Unreadable);
    }

    [Fact]
    public void The_new_mount_api_gives_the_tree_and_where_it_is_moved()
    {
        // util-linux 2.39 and later bind with open_tree + move_mount (strace decodes both, and decorates fds with -yy).
        Assert.Equal(new OpenTreeEvent(900, 3.0, 3, "/tmp/job/hosts"), Assert.Single(_parser.Parse(
            """900 3.0 open_tree(AT_FDCWD</tmp/job>, "hosts", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC) = 3</tmp/job/hosts>""")));
        Assert.Equal(new MoveMountEvent(900, 3.1, 3, "/tmp/job/hosts", "/etc/hosts"), Assert.Single(_parser.Parse(
            """900 3.1 move_mount(3</tmp/job/hosts>, "", AT_FDCWD</tmp/job>, "/etc/hosts", MOVE_MOUNT_F_EMPTY_PATH) = 0""")));
    }

    [Fact]
    public void The_tripwire_calls_whole_or_split_are_nothing_and_not_unreadable_and_leave_the_next_split_call_intact()
    {
        Assert.Empty(_parser.Parse("""22375 1796585985.1 rt_sigprocmask(SIG_BLOCK, NULL, ~[KILL STOP], 8) = 0"""));
        Assert.Empty(_parser.Parse("""22376 1796585985.1 set_robust_list(0x7f3fad5e8a20, 24) = 0"""));
        Assert.Empty(_parser.Parse("""22375 1796585985.2 rt_sigprocmask(SIG_SETMASK, [], <unfinished ...>"""));
        Assert.Empty(_parser.Parse("""22375 1796585985.3 <... rt_sigprocmask resumed>NULL, 8) = 0"""));
        Assert.Empty(_parser.Parse("""22375 1796585985.4 execve("/usr/bin/gcc", ["gcc", "-c", "f1.c"], 0x7ffd2a1f3c10 /* 20 vars */ <unfinished ...>"""));
        var exec = Assert.IsType<ExecEvent>(Assert.Single(_parser.Parse("""22375 1796585985.5 <... execve resumed>) = 0""")));

        Assert.Equal(("/usr/bin/gcc", 3), (exec.Path, exec.Argv.Count));
        Assert.Equal(0, _parser.Unreadable);
    }

    // curl's resolver thread, captured on a busy machine, in the order strace printed it: the thread's calls came before the
    // clone3 that made it returned in curl.
    internal static readonly string[] ThreadBeforeItsClone =
    [
        """20675 1796656883.593172 execve("/usr/bin/curl", ["curl", "-s", "-o", "/dev/null", "http://nonexistent-host.pipewatch.test/"], 0x7fffaff6ab00 /* 47 vars */) = 0""",
        """20675 1796656883.610399 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f5d3c39a990, parent_tid=0x7f5d3c39a990, exit_signal=0, stack=0x7f5d3bb9a000, stack_size=0x7ffd80, tls=0x7f5d3c39a6c0} <unfinished ...>""",
        """20676 1796656883.612584 set_robust_list(0x7f5d3c39a9a0, 24) = 0""",
        """20676 1796656883.612921 connect(7<UDP:[4714902]>, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0""",
        """20676 1796656883.612995 sendmmsg(7<UDP:[192.0.2.2:39290->10.255.255.53:53]>, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="P\275\1\0\0\1\0\0\0\0\0\0\20nonexistent-host\tpipewatch\4test\0\0\1\0\1", iov_len=49}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=49}, {msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="p\271\1\0\0\1\0\0\0\0\0\0\20nonexistent-host\tpipewatch\4test\0\0\34\0\1", iov_len=49}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=49}], 2, MSG_NOSIGNAL) = 2""",
        """20676 1796656883.616568 recvfrom(7<UDP:[192.0.2.2:39290->10.255.255.53:53]>, "p\271\201\203\0\1\0\0\0\0\0\0\20nonexistent-host\tpipewatch\4test\0\0\34\0\1", 2048, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, [28 => 16]) = 49""",
        """20676 1796656883.616832 +++ exited with 0 +++""",
        """20675 1796656883.617001 <... clone3 resumed> => {parent_tid=[20676]}, 88) = 20676""",
        """20675 1796656883.625292 +++ exited with 6 +++""",
    ];

    [Fact]
    public void A_threads_calls_printed_before_its_clone_returned_are_read_after_the_clone_in_their_order()
    {
        var read = ThreadBeforeItsClone.Select(line => _parser.Parse(line)).ToList();

        Assert.IsType<ExecEvent>(Assert.Single(read[0]));
        Assert.All(read[1..7], Assert.Empty);
        Assert.Collection(
            read[7],
            e => Assert.Equal(new SpawnEvent(20675, 1796656883.617001, 20676, Thread: true), e),
            e => Assert.Equal((20676, "10.255.255.53", 53), Assert.IsType<ConnectEvent>(e) is var c ? (c.Pid, c.Ip, c.Port) : default),
            e => Assert.Equal((20676, 98L, 2), Assert.IsType<SendEvent>(e) is var s ? (s.Pid, s.Bytes, s.Buffers.Count) : default),
            e => Assert.Equal(20676, Assert.IsType<ReceiveEvent>(e).Pid),
            e => Assert.Equal(new ExitEvent(20676, 1796656883.616832, 0, null), e));
        Assert.Equal(new ExitEvent(20675, 1796656883.625292, 6, null), Assert.Single(read[8]));
        Assert.Equal(0, _parser.Unreadable);
    }

    [Fact]
    public void A_new_pid_while_no_fork_or_clone_is_in_flight_is_read_at_once()
    {
        // Attached to a running process: its other threads' lines come with no clone of theirs ever seen.
        Assert.IsType<ExecEvent>(Assert.Single(_parser.Parse("""500 1.0 execve("/usr/bin/make", ["make"], 0x7ffd /* 3 vars */) = 0""")));
        Assert.Equal(new ExitEvent(501, 1.1, 0, null), Assert.Single(_parser.Parse("501 1.1 +++ exited with 0 +++")));
    }

    [Fact]
    public void Lines_held_for_a_clone_are_read_when_it_fails_when_another_pids_clone_returns_or_when_the_trace_ends()
    {
        Assert.IsType<ExecEvent>(Assert.Single(_parser.Parse("""800 0.5 execve("/usr/bin/make", ["make"], 0x7ffd /* 3 vars */) = 0""")));
        Assert.Empty(_parser.Parse("""600 1.0 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>"""));
        Assert.Empty(_parser.Parse("700 1.1 +++ exited with 1 +++"));
        // The clone failed: no child of it, and the line held for a pid no call made is read.
        Assert.Equal(new ExitEvent(700, 1.1, 1, null), Assert.Single(_parser.Parse("600 1.2 <... clone resumed>, child_tidptr=0x7f) = -1 EAGAIN (Resource temporarily unavailable)")));

        Assert.Empty(_parser.Parse("""600 2.0 vfork( <unfinished ...>"""));
        Assert.Empty(_parser.Parse("""601 2.1 execve("/bin/true", ["true"], 0x7ffd /* 3 vars */) = 0"""));
        Assert.Empty(_parser.Parse("801 2.2 +++ exited with 0 +++"));
        // Another pid's fork returning releases only its own child; 601 is read at the end of the trace.
        Assert.Equal(
            [new SpawnEvent(800, 2.3, 801, Thread: false), new ExitEvent(801, 2.2, 0, null)],
            _parser.Parse("800 2.3 fork() = 801"));
        Assert.Empty(_parser.Parse("601 2.4 +++ exited with 0 +++"));

        var last = _parser.Flush();

        Assert.Equal([601, 601], last.Select(e => e.Pid));
        Assert.Equal("/bin/true", Assert.IsType<ExecEvent>(last[0]).Path);
        Assert.Empty(_parser.Flush());
    }

    [Fact]
    public void Past_the_bound_held_lines_are_read_in_their_order_and_nothing_is_lost()
    {
        Assert.Empty(_parser.Parse("""900 1.0 clone(child_stack=NULL, flags=CLONE_VM|CLONE_THREAD <unfinished ...>"""));
        var read = new List<TraceEvent>();
        for (var i = 0; i < 5000; i++)
        {
            read.AddRange(_parser.Parse($$"""{{901 + i % 3}} {{2 + i * 0.001:0.000}} connect(3<TCP:[1]>, {sa_family=AF_INET, sin_port=htons({{1000 + i}}), sin_addr=inet_addr("10.0.0.1")}, 16) = 0"""));
        }

        read.AddRange(_parser.Parse("900 9.0 <... clone resumed>, child_tidptr=0x7f) = 902"));
        read.AddRange(_parser.Flush());

        var connects = read.OfType<ConnectEvent>().ToList();
        Assert.Equal(5000, connects.Count);
        foreach (var pid in new[] { 901, 902, 903 })
        {
            var ports = connects.Where(c => c.Pid == pid).Select(c => c.Port).ToList();
            Assert.Equal(ports.Order(), ports);
        }
    }

    [Fact]
    public void Lines_that_are_not_strace_output_are_counted_and_skipped()
    {
        Assert.Empty(_parser.Parse("strace: Process 12 attached"));
        Assert.Empty(_parser.Parse("12 notatime execve(\"/bin/x\", [], 0) = 0"));
        Assert.Empty(_parser.Parse("12 1.0 execve(\"/bin/x\", [\"x\""));

        Assert.Equal(3, _parser.Unreadable);
    }
}
