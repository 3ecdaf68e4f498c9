using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Collectors;

/// <summary>Falco's JSON output (json_output: true, one alert a line), written from the documented fields, read by ingest.</summary>
public sealed class FalcoFormatTests : CollectorIngestTests
{
    // A program started on the runner host (a rule on execve), then its connection to a mining-pool port (a rule on connect).
    private const string Miner = """
        {"hostname":"gh-runner-3","output":"10:04:12.345678901: Notice Program run on a CI runner (command=xmrig -o stratum+tcp://pool.example.net:3333 parent=bash)","priority":"Notice","rule":"Program run on a CI runner","source":"syscall","tags":["host","process"],"time":"2026-11-20T10:04:12.345678901Z","output_fields":{"container.id":"host","evt.time":1795687452345678901,"evt.type":"execve","proc.cmdline":"xmrig -o stratum+tcp://pool.example.net:3333","proc.cwd":"/home/runner/work/app/","proc.exepath":"/tmp/.x/xmrig","proc.name":"xmrig","proc.pid":31337,"proc.ppid":31300,"proc.pname":"bash","proc.pcmdline":"bash -e job.sh","user.name":"runner"}}
        {"hostname":"gh-runner-3","output":"10:04:12.400000000: Warning Outbound connection from a CI runner (command=xmrig -o stratum+tcp://pool.example.net:3333 connection=10.1.0.4:51514->198.51.100.23:3333)","priority":"Warning","rule":"Outbound connection from a CI runner","source":"syscall","tags":["host","network","mitre_command_and_control"],"time":"2026-11-20T10:04:12.400000000Z","output_fields":{"container.id":"host","evt.time":1795687452400000000,"evt.type":"connect","evt.res":"EINPROGRESS","fd.name":"10.1.0.4:51514->198.51.100.23:3333","fd.cip":"10.1.0.4","fd.cport":51514,"fd.sip":"198.51.100.23","fd.sport":3333,"fd.sip.name":"<NA>","fd.l4proto":"tcp","fd.type":"ipv4","proc.cmdline":"xmrig -o stratum+tcp://pool.example.net:3333","proc.exepath":"/tmp/.x/xmrig","proc.name":"xmrig","proc.pid":31337,"proc.ppid":31300,"user.name":"runner"}}
        """;

    // A build: dotnet run by the job's shell, git fetching from GitHub (a server name Falco resolved, fd.name only), a read of a file.
    private const string Build = """
        {"hostname":"gh-runner-3","output":"…","priority":"Notice","rule":"Program run on a CI runner","source":"syscall","tags":["host","process"],"time":"2026-11-20T10:05:00.000000000Z","output_fields":{"container.id":"host","evt.type":"execve","proc.cmdline":"dotnet build -c Release","proc.cwd":"/home/runner/work/app/","proc.exepath":"/usr/bin/dotnet","proc.name":"dotnet","proc.pid":32000,"proc.ppid":31300,"proc.pname":"bash","user.name":"runner"}}
        {"hostname":"gh-runner-3","output":"…","priority":"Notice","rule":"Outbound connection from a CI runner","source":"syscall","tags":["host","network"],"time":"2026-11-20T10:05:01.000000000Z","output_fields":{"container.id":"host","evt.type":"connect","fd.name":"10.1.0.4:40022->140.82.112.3:443","fd.sip.name":"github.com","fd.l4proto":"tcp","proc.cmdline":"git-remote-https origin https://github.com/acme/app","proc.exepath":"/usr/lib/git-core/git-remote-https","proc.name":"git-remote-http","proc.pid":32010,"proc.ppid":32009,"user.name":"runner"}}
        {"hostname":"gh-runner-3","output":"…","priority":"Warning","rule":"Read sensitive file untrusted","source":"syscall","tags":["filesystem"],"time":"2026-11-20T10:05:02.000000000Z","output_fields":{"container.id":"host","evt.type":"openat","fd.name":"/etc/shadow","proc.cmdline":"sudo -n true","proc.name":"sudo","proc.pid":32020,"user.name":"runner"}}
        """;

    protected override string FileName => "falco.jsonl";

    protected override string MinerRecords => Miner;

    protected override string BuildRecords => Build;

    [Fact]
    public async Task An_execve_alert_is_a_program_start_and_a_connect_alert_a_connection_with_the_rule_kept()
    {
        var events = await EventFiles.ReadAsync(Write("falco.jsonl", Miner));

        Assert.Equal(2, events.Count);
        var exec = events[0];
        Assert.Equal((EventKind.Telemetry, "falco.process", "exec"), (exec.Kind, exec.Dataset, exec.Action));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 4, 12, TimeSpan.Zero).AddTicks(3456789), exec.Timestamp);
        Assert.Equal(
            ("/tmp/.x/xmrig", "xmrig", "xmrig -o stratum+tcp://pool.example.net:3333", "31337", "31300", "bash", "bash -e job.sh", "/home/runner/work/app", "runner", "gh-runner-3", "Program run on a CI runner", "notice"),
            (exec.Fields["process.executable"], exec.Fields["process.name"], exec.Fields["process.command_line"], exec.Fields["process.pid"], exec.Fields["process.parent.pid"],
             exec.Fields["process.parent.name"], exec.Fields["process.parent.command_line"], exec.Fields["process.working_directory"], exec.UserName, exec.Fields["host.name"],
             exec.Fields["rule.name"], exec.Fields["log.level"]));
        Assert.False(exec.Fields.ContainsKey("container.id"));
        var connect = events[1];
        Assert.Equal(("falco.network", "connection-attempted", Outcome.Success), (connect.Dataset, connect.Action, connect.Outcome));
        Assert.Equal(("198.51.100.23", "3333", "10.1.0.4", "51514", "tcp", "ipv4"), (connect.Fields["destination.ip"], connect.Fields["destination.port"], connect.Fields["source.ip"], connect.Fields["source.port"], connect.Fields["network.transport"], connect.Fields["network.type"]));
        Assert.False(connect.Fields.ContainsKey("destination.domain"));
    }

    [Fact]
    public async Task A_server_known_only_from_fd_name_is_read_and_other_alerts_are_kept_with_their_rule()
    {
        var events = await EventFiles.ReadAsync(Write("falco.jsonl", Build));

        Assert.Equal(["falco.process", "falco.network", "falco.intrusion_detection"], events.Select(e => e.Dataset));
        Assert.Equal(("140.82.112.3", "443", "github.com"), (events[1].Fields["destination.ip"], events[1].Fields["destination.port"], events[1].Fields["destination.domain"]));
        Assert.Equal(("Read sensitive file untrusted", "warning"), (events[2].Action, events[2].Fields["log.level"]));
    }
}
