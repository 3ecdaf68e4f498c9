using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Collectors;

/// <summary>Linux audit logs, written from the record formats the audit documentation shows (raw records, hex fields, interleaved serials, ausearch -i), read by ingest.</summary>
public sealed class AuditdLogTests : IDisposable
{
    // A miner started from a job's workspace, then its connect to a pool port; an `id` run (serial 503) interleaves with the connect (502).
    internal const string Miner = """
        type=SYSCALL msg=audit(1795687452.100:501): arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1f0a2b0 a1=55d0c1f0a330 a2=55d0c1f0a350 a3=8 items=2 ppid=1200 pid=1234 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=3 comm="xmrig" exe="/tmp/.x/xmrig" subj=unconfined key="exec"
        type=EXECVE msg=audit(1795687452.100:501): argc=3 a0="./xmrig" a1="-o" a2="stratum+tcp://pool.example.net:3333"
        type=CWD msg=audit(1795687452.100:501): cwd=2F686F6D652F72756E6E65722F776F726B2F6D7920617070
        type=PATH msg=audit(1795687452.100:501): item=0 name="./xmrig" inode=409248 dev=fd:00 mode=0100755 ouid=1001 ogid=1001 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0
        type=PROCTITLE msg=audit(1795687452.100:501): proctitle=2E2F786D726967002D6F007374726174756D2B7463703A2F2F706F6F6C2E6578616D706C652E6E65743A33333333
        type=EOE msg=audit(1795687452.100:501):
        type=SYSCALL msg=audit(1795687452.200:502): arch=c000003e syscall=42 success=no exit=-115 a0=3 a1=7ffd2c1e8a40 a2=10 a3=0 items=0 ppid=1200 pid=1234 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=3 comm="xmrig" exe="/tmp/.x/xmrig" subj=unconfined key="net"
        type=SYSCALL msg=audit(1795687452.201:503): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=1200 pid=1240 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=3 comm="id" exe="/usr/bin/id" subj=unconfined key="exec"
        type=SOCKADDR msg=audit(1795687452.200:502): saddr=02000D05C63364170000000000000000
        type=EXECVE msg=audit(1795687452.201:503): argc=1 a0="id"
        type=PROCTITLE msg=audit(1795687452.200:502): proctitle=2E2F786D726967002D6F007374726174756D2B7463703A2F2F706F6F6C2E6578616D706C652E6E65743A33333333
        type=EOE msg=audit(1795687452.200:502):
        type=EOE msg=audit(1795687452.201:503):
        """;

    // A build: git with arguments auditd wrote in hex and in pieces, its IPv6 connect to port 443, an AF_UNIX connect (nscd),
    // a failed execve of a PATH search, and a record of another kind.
    private const string Build = """
        type=SYSCALL msg=audit(1795687460.000:601): arch=c000003e syscall=59 success=no exit=-2 a0=1 a1=2 a2=3 a3=0 items=1 ppid=1200 pid=1300 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=3 comm="sh" exe="/usr/bin/sh" key="exec"
        type=EOE msg=audit(1795687460.000:601):
        type=SYSCALL msg=audit(1795687460.010:602): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=1200 pid=1300 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=3 comm="git" exe="/usr/bin/git" key="exec"
        type=EXECVE msg=audit(1795687460.010:602): argc=4 a0="git" a1="commit" a2=6563686F20226F6B22 a3_len=10 a3[0]="--no-" a3[1]="verify"
        type=CWD msg=audit(1795687460.010:602): cwd="/home/runner/work/app"
        type=EOE msg=audit(1795687460.010:602):
        type=SYSCALL msg=audit(1795687460.020:603): arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=7ffd a2=6e a3=0 items=0 ppid=1200 pid=1300 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=3 comm="git" exe="/usr/bin/git" key="net"
        type=SOCKADDR msg=audit(1795687460.020:603): saddr=01002F7661722F72756E2F6E7363642F736F636B6574
        type=EOE msg=audit(1795687460.020:603):
        type=SYSCALL msg=audit(1795687460.030:604): arch=c000003e syscall=42 success=no exit=-115 a0=3 a1=7ffd a2=1c a3=0 items=0 ppid=1200 pid=1301 auid=1001 uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=(none) ses=3 comm="git-remote-http" exe="/usr/lib/git-core/git-remote-http" key="net"
        type=SOCKADDR msg=audit(1795687460.030:604): saddr=0A0001BB00000000260650C080000000000000000000015400000000
        type=PROCTITLE msg=audit(1795687460.030:604): proctitle=676974006665746368006F726967696E
        type=EOE msg=audit(1795687460.030:604):
        type=USER_LOGIN msg=audit(1795687461.000:605): pid=900 uid=0 auid=1001 ses=3 msg='op=login id=1001 exe="/usr/sbin/sshd" hostname=? addr=10.0.0.9 terminal=ssh res=success'
        """;

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Execve_and_connect_events_are_read_from_their_records_grouped_by_serial()
    {
        var events = await EventFiles.ReadAsync(Write("audit.log", Build));

        Assert.Equal(2, events.Count);
        var git = events[0];
        Assert.Equal((EventKind.Telemetry, "auditd.process", "exec", "auditd:1795687460010:602"), (git.Kind, git.Dataset, git.Action, git.Id));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1795687460010), git.Timestamp);
        Assert.Equal(
            ("/usr/bin/git", "git", "git commit 'echo \"ok\"' --no-verify", "4", "/home/runner/work/app", "1300", "1200", "1001"),
            (git.Fields["process.executable"], git.Fields["process.name"], git.Fields["process.command_line"], git.Fields["process.args_count"],
             git.Fields["process.working_directory"], git.Fields["process.pid"], git.Fields["process.parent.pid"], git.Fields["user.id"]));
        Assert.Equal(new Origin(_temp.File("audit.log"), 3), git.Origin);
        var connect = events[1];
        Assert.Equal(("network", "connection-attempted", Outcome.Success), (connect.Fields["event.category"], connect.Action, connect.Outcome));
        Assert.Equal(
            ("2606:50c0:8000::154", "443", "ipv6", "git-remote-http", "git fetch origin", "net"),
            (connect.Fields["destination.ip"], connect.Fields["destination.port"], connect.Fields["network.type"], connect.Fields["process.name"], connect.Fields["process.command_line"], connect.Fields["rule.name"]));
    }

    [Fact]
    public async Task Interleaved_serials_each_keep_their_own_records()
    {
        var events = await EventFiles.ReadAsync(Write("audit.log", Miner));

        Assert.Equal(
            [("exec", "./xmrig -o stratum+tcp://pool.example.net:3333", null), ("connection-attempted", "./xmrig -o stratum+tcp://pool.example.net:3333", "198.51.100.23:3333"), ("exec", "id", null)],
            events.Select(e => (e.Action!, e.Fields["process.command_line"], e.Fields.TryGetValue("destination.ip", out var ip) ? $"{ip}:{e.Fields["destination.port"]}" : null)));
        Assert.Equal("/home/runner/work/my app", events[0].Fields["process.working_directory"]);
    }

    [Fact]
    public async Task Ausearch_interpreted_records_name_the_syscall_and_the_address()
    {
        // ausearch -i prints the time as a date (taken as UTC), the syscall by name, the address as fields, the rest unquoted.
        var events = await EventFiles.ReadAsync(Write("ausearch.log", """
            type=PROCTITLE msg=audit(11/20/2026 10:04:12.200:502) : proctitle=./xmrig -o stratum+tcp://pool.example.net:3333
            type=SOCKADDR msg=audit(11/20/2026 10:04:12.200:502) : saddr={ fam=inet laddr=198.51.100.23 lport=3333 }
            type=SYSCALL msg=audit(11/20/2026 10:04:12.200:502) : arch=x86_64 syscall=connect success=no exit=EINPROGRESS(Operation now in progress) a0=0x3 items=0 ppid=1200 pid=1234 auid=runner uid=runner comm=xmrig exe=/tmp/.x/xmrig key=net
            """));

        var connect = Assert.Single(events);
        Assert.Equal(("198.51.100.23", "3333", "/tmp/.x/xmrig", Outcome.Success), (connect.Fields["destination.ip"], connect.Fields["destination.port"], connect.Fields["process.executable"], connect.Outcome));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 4, 12, 200, TimeSpan.Zero), connect.Timestamp);
        Assert.Equal("./xmrig -o stratum+tcp://pool.example.net:3333", connect.Fields["process.command_line"]);
    }

    [Fact]
    public async Task A_miner_in_the_log_yields_the_miner_finding_and_the_sigma_rule()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [Write("audit.log", Miner)]);

        Assert.Empty(result.Problems);
        Assert.Equal(
            [("cc522ac3-5a19-4203-a510-51686f005e4e", "Cryptocurrency miner started on a runner"), ("performance.resource-spike", "Cryptocurrency miner on a host: xmrig")],
            result.Findings.Select(f => (f.Rule, f.Title)).Order());
        var miner = result.Findings.Single(f => f.Rule == "performance.resource-spike");
        Assert.Equal("On a host (auditd, pid 1234), xmrig looks like a miner: a known miner program, 'xmrig'. Command line: ./xmrig -o stratum+tcp://pool.example.net:3333", miner.Explanation);
    }

    [Fact]
    public async Task A_build_raises_nothing_and_a_line_that_is_not_a_record_is_a_problem()
    {
        var result = await Ingest.RunAsync(_temp.File("store.db"), [Write("audit.log", Build + "\nnot an audit record\n")]);

        Assert.Empty(result.Findings);
        var problem = Assert.Single(result.Problems);
        Assert.Equal((_temp.File("audit.log"), 15), (problem.File, problem.Line));
        Assert.StartsWith("auditd: not an audit record", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_records_are_problems_or_plain_text_and_the_rest_of_the_log_is_still_read()
    {
        // Odd-length and non-hex "hex" fields, a 2 MB line, terminal escapes in a quoted field, a SOCKADDR too short for its
        // family, an argument index far past argc, and a serial whose EOE never comes: none may throw, hang or drop the miner after them.
        var hostile = string.Join("\n",
            "type=SYSCALL msg=audit(1795687450.000:401): arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1 pid=77 uid=0 comm=\"\u001b]0;pwned\u0007\" exe=\"/bin/\u001b[2Jsh\" key=\"exec\"",
            "type=EXECVE msg=audit(1795687450.000:401): argc=2 a0=ABC a1=ZZZZ a99999999=\"x\"",
            "type=CWD msg=audit(1795687450.000:401): cwd=2F2",
            "type=EOE msg=audit(1795687450.000:401):",
            "type=SYSCALL msg=audit(1795687450.100:402): arch=c000003e syscall=42 success=yes exit=0 ppid=1 pid=78 comm=\"curl\" exe=\"/usr/bin/curl\" key=\"net\"",
            "type=SOCKADDR msg=audit(1795687450.100:402): saddr=0200",
            "type=EOE msg=audit(1795687450.100:402):",
            "type=EXECVE msg=audit(1795687450.200:403): argc=1 a0=\"" + new string('A', 2 * 1024 * 1024) + "\"",
            "type=SYSCALL msg=audit(1795687450.300:404): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=79 comm=\"x\" exe=\"/tmp/x\"");
        var run = Ingest.RunAsync(_temp.File("store.db"), [Write("audit.log", hostile + "\n" + Miner)]);

        var result = await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        // The miner after the hostile records is still found, exactly as alone.
        Assert.Equal("performance.resource-spike", Assert.Single(result.Findings, f => f.Rule == "performance.resource-spike").Rule);
        // Nothing an attacker wrote reaches a finding or a problem as a raw terminal escape.
        Assert.DoesNotContain(result.Findings, f => f.Explanation.Contains('\u001b') || f.Title.Contains('\u001b'));
        Assert.DoesNotContain(result.Problems, p => p.Reason.Contains('\u001b'));
    }

    private string Write(string name, string text)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
