using PipeWatch.Sources.Runner.Agent;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Agent;

/// <summary>The job's state from trace events: which hosts file names a connection, and the bytes each connection sent.</summary>
public sealed class JobTraceTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly List<AgentRecord> _records = [];
    private readonly JobTrace _trace;

    public JobTraceTests() =>
        // A /proc with no processes: every process is already gone when its lines are read, as a short-lived one often is.
        _trace = new JobTrace(_records.Add, new ProcSampler(_temp.File("no-proc")), _temp.Path);

    [Fact]
    public void A_hosts_file_bind_mounted_in_a_private_namespace_names_the_connection_after_every_process_ended()
    {
        var hosts = _temp.File("hosts");
        File.WriteAllText(hosts, "127.0.0.1 localhost\n127.0.0.1 build-cache.pipewatch.test\n");
        Apply(
            new ExecEvent(10, 1, "/usr/bin/unshare", ["unshare", "-rm", "sh", "-c", "…"]),
            new MountNamespaceEvent(10, 1.1, false, null),
            new ExecEvent(10, 1.2, "/usr/bin/sh", ["sh", "-c", "mount --bind hosts /etc/hosts && curl http://build-cache.pipewatch.test:8080/"]),
            new SpawnEvent(10, 1.3, 11, false),
            new ExecEvent(11, 1.4, "/usr/bin/mount", ["mount", "--bind", "hosts", "/etc/hosts"]),
            new BindMountEvent(11, 1.5, "hosts", "/etc/hosts"),
            new ExitEvent(11, 1.6, 0, null),
            new SpawnEvent(10, 1.7, 12, false),
            new ExecEvent(12, 1.8, "/usr/bin/curl", ["curl", "http://build-cache.pipewatch.test:8080/"]),
            new ConnectEvent(12, 1.9, "TCP", "127.0.0.1", 8080, false, "EINPROGRESS", Fd: 5),
            new ExitEvent(12, 2.0, 0, null));

        var connection = Assert.Single(_records, r => Equals(r.Get("event.category"), "network"));
        Assert.Equal("build-cache.pipewatch.test", connection.Get("destination.domain"));
    }

    [Fact]
    public void The_hosts_file_of_the_agents_own_namespace_does_not_name_a_private_namespaces_connection()
    {
        // The same command line, but no mount seen: the name is not in the agent's /etc/hosts, so none is given.
        Apply(
            new ExecEvent(20, 1, "/usr/bin/sh", ["sh", "-c", "curl http://build-cache.pipewatch.test:8080/"]),
            new MountNamespaceEvent(20, 1.1, false, null),
            new SpawnEvent(20, 1.2, 21, false),
            new ExecEvent(21, 1.3, "/usr/bin/curl", ["curl", "http://build-cache.pipewatch.test:8080/"]),
            new ConnectEvent(21, 1.4, "TCP", "127.0.0.1", 8080, false, null, Fd: 5),
            new ExitEvent(21, 1.5, 0, null));

        Assert.Null(Assert.Single(_records, r => Equals(r.Get("event.category"), "network")).Get("destination.domain"));
    }

    [Fact]
    public void Bytes_sent_on_a_connection_are_counted_on_its_record_until_the_process_ends_or_the_fd_is_reused()
    {
        Apply(
            new ExecEvent(30, 1, "/usr/bin/wget", ["wget", "http://10.0.0.9/"]),
            new ConnectEvent(30, 1.1, "TCP", "10.0.0.9", 80, false, "EINPROGRESS", Fd: 4),
            new SendEvent(30, 1.2, "TCP", "10.0.0.9", 80, 131, [], Fd: 4),
            new SendEvent(30, 1.3, "TCP", "10.0.0.9", 80, 1000, [], Fd: 4),
            // The fd connected again: the first connection is over.
            new ConnectEvent(30, 1.4, "TCP", "10.0.0.7", 443, false, null, Fd: 4),
            new SendEvent(30, 1.5, "TCP", "10.0.0.7", 443, 517, [], Fd: 4),
            // A send on an fd with no traced connect (inherited) counts for the step, not for a connection.
            new SendEvent(30, 1.6, "TCP", "10.0.0.5", 22, 40, [], Fd: 9));

        var first = Assert.Single(_records, r => Equals(r.Get("event.category"), "network"));
        Assert.Equal(("10.0.0.9", (long?)1131), ((string?)first.Get("destination.ip"), (long?)first.Get("source.bytes")));

        _trace.Apply(new ExitEvent(30, 2, 0, null));

        var connections = _records.Where(r => Equals(r.Get("event.category"), "network")).ToList();
        Assert.Equal([("10.0.0.9", 1131L), ("10.0.0.7", 517L)], connections.Select(r => ((string)r.Get("destination.ip")!, (long)r.Get("source.bytes")!)));
        Assert.Equal(1688, _trace.SentBytes);
        Assert.Equal<(string, long)?>(("10.0.0.9:80", 1131L), _trace.TopDestination);
    }

    [Fact]
    public void Dns_questions_of_a_thread_printed_before_its_clone_returned_carry_the_program_that_asked()
    {
        var parser = new StraceParser();
        foreach (var line in StraceParserTests.ThreadBeforeItsClone) Apply([.. parser.Parse(line)]);
        _trace.Finish(2e9);

        var queries = _records.Where(r => Equals(r.Get("event.action"), "dns-query")).ToList();
        Assert.Equal(
            [("A", "curl", 20675L), ("AAAA", "curl", 20675L)],
            queries.Select(q => ((string?)q.Get("dns.question.type"), (string?)q.Get("process.name"), (long?)q.Get("process.pid"))).Order());
        var socket = Assert.Single(_records, r => Equals(r.Get("event.type"), "connection"));
        Assert.Equal(("curl", 98L), ((string?)socket.Get("process.name"), (long?)socket.Get("source.bytes")));
    }

    private void Apply(params TraceEvent[] events)
    {
        foreach (var e in events) _trace.Apply(e);
    }

    public void Dispose() => _temp.Dispose();
}
