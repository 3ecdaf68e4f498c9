using System.Net;
using System.Text;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The state of one traced job: its processes, who started whom, names resolved; turns <see cref="TraceEvent"/>s into agent records.</summary>
/// <remarks>
/// One process record per program run (an exec), written when it ends or is replaced by another exec, with its parent's
/// program; one connection record per connect() to an inet address, named by the DNS answer (then also
/// <c>dns.question.name</c>) or the hosts-file entry the process (or an ancestor) named on its command line (the hosts file of its mount namespace: see <see cref="MountView"/>),
/// written when the process ends (or its fd is connected again) with the bytes it sent on that socket (<c>source.bytes</c>);
/// one DNS record per query sent to port 53. Not thread-safe: the session serializes calls.
/// </remarks>
internal sealed class JobTrace
{
    private const int MaxProcesses = 200_000;
    private const int MaxNames = 10_000;
    private const int MaxPending = 10_000;
    private const int MaxDestinations = 4096;

    private readonly Action<AgentRecord> _emit;
    private readonly ProcSampler _proc;
    private readonly Dictionary<int, ProcessState> _processes = [];
    private readonly Dictionary<int, int> _threadGroup = [];
    private readonly Dictionary<string, (string Name, double Time)> _dnsNames = new(StringComparer.Ordinal);
    private readonly MountView _initialView = MountView.Initial();
    private readonly Dictionary<(int Pid, int Fd), string> _openTrees = [];
    private readonly Dictionary<(int Pid, int Fd), PendingConnection> _pending = [];
    private readonly Dictionary<string, long> _sentTo = new(StringComparer.Ordinal);

    /// <param name="emit">Receives each finished record (without the common fields the session adds).</param>
    /// <param name="proc">Reads hosts files as each process sees them.</param>
    /// <param name="initialCwd">The working directory of the first process.</param>
    public JobTrace(Action<AgentRecord> emit, ProcSampler proc, string initialCwd)
    {
        _emit = emit;
        _proc = proc;
        InitialCwd = initialCwd;
    }

    public string InitialCwd { get; }

    public int ProcessCount { get; private set; }

    public int ConnectionCount { get; private set; }

    public long SentBytes { get; private set; }

    /// <summary>The endpoint (domain or address, and port) the job sent the most bytes to over connected sockets, and how many; null when none.</summary>
    public (string Endpoint, long Bytes)? TopDestination =>
        _sentTo.Count == 0 ? null : _sentTo.MaxBy(p => p.Value) is var top && top.Value > 0 ? (top.Key, top.Value) : null;

    /// <summary>Applies one event.</summary>
    public void Apply(TraceEvent e, ResourceMeter? meter = null)
    {
        switch (e)
        {
            case ExecEvent exec: Exec(exec); break;
            case SpawnEvent spawn: Spawn(spawn); break;
            case ChdirEvent chdir when Find(chdir.Pid) is { } p: p.Cwd = Resolve(p.Cwd, chdir.Path); break;
            case ConnectEvent connect: Connect(connect); break;
            case SendEvent send: Send(send); break;
            case MountNamespaceEvent ns: MountNamespace(ns); break;
            case BindMountEvent bind: BindMount(bind.Pid, bind.Source, bind.Target); break;
            case OpenTreeEvent tree when Find(tree.Pid) is { } p && _openTrees.Count < 1024: _openTrees[(p.Pid, tree.Fd)] = Resolve(p.Cwd, tree.Path); break;
            case MoveMountEvent move: MoveMount(move); break;
            case UnmountEvent unmount when Find(unmount.Pid) is { } p && Resolve(p.Cwd, unmount.Target).TrimEnd('/') is "/etc/hosts" or "/etc": p.View.UnmountHosts(); break;
            case ReceiveEvent receive: Receive(receive); break;
            case ExitEvent exit: Exit(exit); break;
            case ChildCpuEvent cpu:
                meter?.ChildEnded(cpu.Child, cpu.CpuSeconds);
                // Some kernels (gVisor) print no "+++ killed by" line for a child killed by a signal: its parent's SIGCHLD ends it.
                if (_processes.TryGetValue(cpu.Child, out var child) && !child.Ended) Exit(new ExitEvent(cpu.Child, cpu.Time, cpu.Code, cpu.Signal));
                break;
        }
    }

    /// <summary>Writes the records of processes still running (at the end of the trace).</summary>
    public void Finish(double time)
    {
        foreach (var key in _pending.Keys.ToList()) FlushConnection(key);
        foreach (var p in _processes.Values.Where(p => p.Executable is not null && !p.Written).ToList())
        {
            WriteProcess(p, time);
        }
    }

    /// <summary>Adds a process seen by polling /proc (no tracer), as if it had been started and exec'd at <paramref name="time"/>.</summary>
    public void Observed(int pid, int parent, double time, string? executable, IReadOnlyList<string> argv, string? cwd)
    {
        if (_processes.ContainsKey(pid)) return;
        var p = Add(pid, parent, time);
        p.Cwd = cwd ?? p.Cwd;
        p.Executable = executable ?? (argv.Count > 0 ? argv[0] : null);
        p.Argv = argv;
        p.ExecTime = time;
    }

    /// <summary>
    /// A process seen by polling again, now running another program: it called exec since it was observed. Its record becomes the
    /// new program's; the program it ran before is written as replaced, unless what was seen was its parent's (a child seen
    /// between its fork and its exec shows its parent's executable and argv: that was not a program of its own).
    /// </summary>
    public void ObservedExec(int pid, double time, string? executable, IReadOnlyList<string> argv)
    {
        if (Find(pid) is not { } p || (executable ?? (argv.Count > 0 ? argv[0] : null)) is not { } path) return;
        if (Find(p.ParentPid) is not { } parent || p.Executable != parent.Executable || !p.Argv.SequenceEqual(parent.Argv)) p.Inherited = false;
        Exec(new ExecEvent(pid, time, path, argv));
    }

    /// <summary>True when the process was seen.</summary>
    public bool Knows(int pid) => _processes.ContainsKey(pid);

    private ProcessState Add(int pid, int parent, double time)
    {
        if (_processes.Count >= MaxProcesses)
        {
            // Past the bound, the oldest ended processes go (their records are written already).
            foreach (var old in _processes.Values.Where(p => p.Ended).Take(MaxProcesses / 4).Select(p => p.Pid).ToList()) _processes.Remove(old);
        }

        var parentState = Find(parent);
        var state = new ProcessState(pid, parent, time)
        {
            Cwd = parentState?.Cwd ?? InitialCwd,
            Executable = parentState?.Executable,
            Argv = parentState?.Argv ?? [],
            Inherited = true,
            View = parentState?.View ?? _initialView,
            ViewGuessed = parentState is null,
        };
        _processes[pid] = state;
        return state;
    }

    private ProcessState? Find(int pid) =>
        _processes.GetValueOrDefault(_threadGroup.TryGetValue(pid, out var group) ? group : pid);

    private void Exec(ExecEvent e)
    {
        var p = Find(e.Pid) ?? Add(e.Pid, 0, e.Time);
        if (p.Executable is not null && !p.Inherited && !p.Written) WriteProcess(p, e.Time, replaced: true);
        p.Executable = e.Path.Contains('/', StringComparison.Ordinal) ? Resolve(p.Cwd, e.Path) : e.Path;
        p.Argv = e.Argv;
        p.ExecTime = e.Time;
        p.Inherited = false;
        p.Written = false;
        // In a namespace the job made, keep what this program sees as /etc/hosts while it lives (its children may outlive it).
        if (p.View.Foreign && !p.View.Mounted && Bounded(_proc.HostsFile(e.Pid)) is { } seen) p.View.SeenHosts = seen;
    }

    private void Spawn(SpawnEvent e)
    {
        var group = _threadGroup.TryGetValue(e.Pid, out var g) ? g : e.Pid;
        if (e.Thread)
        {
            _threadGroup[e.Child] = group;
            return;
        }

        // The child's own events may come first (strace prints whichever stops first); keep what they set.
        var parent = Find(group);
        if (_processes.TryGetValue(e.Child, out var early))
        {
            early.ParentPid = group;
            if (early.ViewGuessed && parent is not null) early.View = e.NewMountNamespace ? parent.View.Copy() : parent.View;
            early.ViewGuessed = false;
            return;
        }

        var child = Add(e.Child, group, e.Time);
        if (e.NewMountNamespace) child.View = child.View.Copy();
    }

    private void MountNamespace(MountNamespaceEvent e)
    {
        if (Find(e.Pid) is not { } p) return;
        p.View = !e.Joined ? p.View.Copy() : e.JoinedPid is { } owner && Find(owner) is { } other ? other.View : MountView.Unknown();
    }

    private void MoveMount(MoveMountEvent e)
    {
        if (Find(e.Pid) is not { } p) return;
        var source = _openTrees.Remove((p.Pid, e.Fd), out var tree) ? tree : e.FdPath is { } path && path.StartsWith('/') ? path : null;
        if (source is not null) BindMount(e.Pid, source, e.Target);
    }

    // A bind mount on /etc/hosts (or on /etc): the source's text, read now from the agent's view, is what the namespace sees.
    private void BindMount(int pid, string source, string target)
    {
        if (Find(pid) is not { } p) return;
        var on = Resolve(p.Cwd, target).TrimEnd('/');
        var from = Resolve(p.Cwd, source);
        if (on == "/etc/hosts") p.View.MountHosts(MountView.ReadFile(from));
        else if (on == "/etc") p.View.MountHosts(MountView.ReadFile(Path.Join(from, "hosts")));
    }

    private void Exit(ExitEvent e)
    {
        if (_threadGroup.Remove(e.Pid) || !_processes.TryGetValue(e.Pid, out var p)) return;
        p.Ended = true;
        p.ExitCode = e.Code;
        p.Signal = e.Signal;
        if (_pending.Count > 0)
        {
            foreach (var key in _pending.Keys.Where(k => k.Pid == e.Pid).ToList()) FlushConnection(key);
        }

        if (p.Executable is not null && !p.Inherited && !p.Written) WriteProcess(p, e.Time);
    }

    private void Connect(ConnectEvent e)
    {
        if (e.Port == 0) return;
        var p = Find(e.Pid);
        ConnectionCount++;
        var transport = e.Protocol.StartsWith("UDP", StringComparison.Ordinal) ? "udp" : e.Protocol.StartsWith("TCP", StringComparison.Ordinal) ? "tcp" : null;
        var domain = p is null ? null : NameOf(e.Ip, p);
        var record = new AgentRecord()
            .Set(AgentFields.Category, "network")
            .Set(AgentFields.Type, "connection")
            .Set(AgentFields.Action, AgentFields.ConnectionAction)
            .Set(AgentFields.Outcome, e.Error is null or "EINPROGRESS" or "EAGAIN" ? "success" : "failure")
            .Set(Events.EventFields.Timestamp, Time(e.Time))
            .Set(AgentFields.DestinationIp, e.Ip)
            .Set(AgentFields.DestinationPort, e.Port)
            .Set(AgentFields.DestinationDomain, domain)
            // The question whose answer gave the name (a hosts-file name was not asked of DNS).
            .Set(AgentFields.DnsQuestionName, domain is not null && _dnsNames.TryGetValue(e.Ip, out var answered) && answered.Name == domain ? domain : null)
            .Set(AgentFields.Transport, transport)
            .Set(AgentFields.NetworkType, e.V6 ? "ipv6" : "ipv4")
            .Set("error.code", e.Error is null or "EINPROGRESS" ? null : e.Error);
        AddProcess(record, p, e.Pid);
        if (e.Bytes is { } counted)
        {
            // Counted by the kernel over the connection's life: complete now.
            record.Set(AgentFields.SourceBytes, counted);
            SentBytes += counted;
            var endpoint = (record.Get(AgentFields.DestinationDomain) as string ?? e.Ip) is var name && name.Contains(':', StringComparison.Ordinal) ? $"[{name}]:{e.Port}" : $"{name}:{e.Port}";
            if (_sentTo.Count < MaxDestinations || _sentTo.ContainsKey(endpoint)) _sentTo[endpoint] = _sentTo.GetValueOrDefault(endpoint) + counted;
            _emit(record);
            return;
        }

        if (e.Fd is not { } fd || p is null || e.Error is not (null or "EINPROGRESS" or "EAGAIN"))
        {
            // Polled, or refused: no bytes to wait for.
            _emit(record);
            return;
        }

        // Held until the process ends or connects this fd again, so that the record carries what was sent on it.
        var key = (p.Pid, fd);
        if (_pending.ContainsKey(key)) FlushConnection(key);
        if (_pending.Count >= MaxPending)
        {
            foreach (var old in _pending.Keys.Take(MaxPending / 4).ToList()) FlushConnection(old);
        }

        var host = record.Get(AgentFields.DestinationDomain) as string ?? e.Ip;
        _pending[key] = new PendingConnection(record, e.Port, host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{e.Port}" : $"{host}:{e.Port}");
    }

    private void FlushConnection((int Pid, int Fd) key)
    {
        if (!_pending.Remove(key, out var c)) return;
        c.Record.Set(AgentFields.SourceBytes, c.Bytes);
        _emit(c.Record);
    }

    private void Send(SendEvent e)
    {
        SentBytes += e.Bytes;
        if (e.Fd is { } fd && Find(e.Pid) is { } sender && _pending.TryGetValue((sender.Pid, fd), out var connection) && (e.Port is null || e.Port == connection.Port))
        {
            connection.Bytes += e.Bytes;
            if (_sentTo.Count < MaxDestinations || _sentTo.ContainsKey(connection.Endpoint)) _sentTo[connection.Endpoint] = _sentTo.GetValueOrDefault(connection.Endpoint) + e.Bytes;
        }

        if (e.Port != 53) return;
        foreach (var buffer in e.Buffers.Take(8))
        {
            if (DnsMessage.Parse(buffer, e.Protocol.StartsWith("TCP", StringComparison.Ordinal)) is not { IsResponse: false } query) continue;
            var record = new AgentRecord()
                .Set(AgentFields.Category, "network")
                .Set(AgentFields.Type, "protocol")
                .Set(AgentFields.Action, AgentFields.DnsQueryAction)
                .Set(Events.EventFields.Timestamp, Time(e.Time))
                .Set(AgentFields.Protocol, "dns")
                .Set(AgentFields.DnsQuestionName, query.Name)
                .Set(AgentFields.DnsQuestionType, query.Type)
                .Set(AgentFields.DestinationIp, e.Ip)
                .Set(AgentFields.DestinationPort, e.Port)
                .Set(AgentFields.Transport, e.Protocol.StartsWith("TCP", StringComparison.Ordinal) ? "tcp" : "udp");
            AddProcess(record, Find(e.Pid), e.Pid);
            _emit(record);
        }
    }

    private void Receive(ReceiveEvent e)
    {
        if (e.Port != 53 || DnsMessage.Parse(e.Buffer, e.Protocol.StartsWith("TCP", StringComparison.Ordinal)) is not { IsResponse: true } answer) return;
        foreach (var address in answer.Addresses)
        {
            if (_dnsNames.Count >= MaxNames) _dnsNames.Clear();
            _dnsNames[address] = (answer.Name, e.Time);
        }
    }

    // replaced: the program was replaced by another exec in the same process, which ends this record.
    private void WriteProcess(ProcessState p, double end, bool replaced = false)
    {
        p.Written = true;
        ProcessCount++;
        var start = p.ExecTime ?? p.Start;
        var ended = p.Ended || replaced ? end : (double?)null;
        var parent = Find(p.ParentPid);
        var record = new AgentRecord()
            .Set(AgentFields.Category, "process")
            .Set(AgentFields.Type, "start")
            .Set(AgentFields.Action, AgentFields.ProcessAction)
            .Set(Events.EventFields.Timestamp, Time(start))
            .Set(AgentFields.Start, Time(start))
            .Set(AgentFields.End, ended is { } e1 ? Time(e1) : (DateTimeOffset?)null)
            .Set(AgentFields.Duration, ended is { } e2 ? (long)Math.Round((e2 - start) * 1e9) : (long?)null)
            .Set(AgentFields.Pid, p.Pid)
            .Set(AgentFields.Executable, p.Executable)
            .Set(AgentFields.Name, NameOfProgram(p))
            .Set(AgentFields.CommandLine, CommandLine(p.Argv))
            .Set(AgentFields.ArgsCount, p.Argv.Count)
            .Set(AgentFields.WorkingDirectory, p.Cwd)
            .Set(AgentFields.ProcessStart, Time(start))
            .Set(AgentFields.ProcessEnd, ended is { } e3 ? Time(e3) : (DateTimeOffset?)null)
            .Set(AgentFields.ExitCode, p.ExitCode)
            .Set("process.exit_signal", p.Signal)
            .Set(AgentFields.ParentPid, p.ParentPid == 0 ? null : (long?)p.ParentPid)
            .Set(AgentFields.ParentExecutable, parent?.Executable)
            .Set(AgentFields.ParentName, parent is null ? null : NameOfProgram(parent))
            .Set(AgentFields.ParentCommandLine, parent is null ? null : CommandLine(parent.Argv));
        _emit(record);
    }

    private static void AddProcess(AgentRecord record, ProcessState? p, int pid)
    {
        record.Set(AgentFields.Pid, p?.Pid ?? pid);
        if (p is null) return;
        record.Set(AgentFields.Executable, p.Executable)
            .Set(AgentFields.Name, NameOfProgram(p))
            .Set(AgentFields.CommandLine, CommandLine(p.Argv))
            .Set(AgentFields.ParentPid, p.ParentPid == 0 ? null : (long?)p.ParentPid);
    }

    // The name a process connected to: a DNS answer or hosts-file name that the process or an ancestor named on its command
    // line; else the latest DNS answer for the address; else none (a hosts file maps 127.0.0.1 to several names).
    private string? NameOf(string ip, ProcessState p)
    {
        var candidates = new List<string>();
        if (_dnsNames.TryGetValue(ip, out var answered)) candidates.Add(answered.Name);
        candidates.AddRange(HostsNames(p, ip));
        if (candidates.Count == 0) return null;
        var lines = new List<string>();
        for (var (at, depth) = (p, 0); at is not null && depth < 16; at = Find(at.ParentPid), depth++)
        {
            lines.Add(CommandLine(at.Argv));
            if (at.ParentPid == at.Pid) break;
        }

        return candidates.FirstOrDefault(name => lines.Any(line => Mentions(line, name)))
            ?? (_dnsNames.TryGetValue(ip, out var latest) ? latest.Name : null);
    }

    // The hosts file of the process's mount namespace: one the job bind-mounted (read when mounted), else the process's own
    // through /proc while it lives, else what the namespace's programs saw at exec (a namespace the job made) or the agent's.
    private IReadOnlyList<string> HostsNames(ProcessState p, string ip)
    {
        var view = p.View;
        var text = view.Mounted ? view.MountedHosts : Bounded(_proc.HostsFile(p.Pid)) ?? (view.Foreign ? view.SeenHosts : ReadHostHosts());
        return view.Names(text, ip);
    }

    private static string? Bounded(string? text) => text is { Length: <= MountView.MaxHostsBytes } ? text : null;

    private static string? ReadHostHosts() => MountView.ReadFile("/etc/hosts");

    internal static Dictionary<string, List<string>> ParseHosts(string? text)
    {
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (text is null) return map;
        foreach (var raw in text.Split('\n').Take(10_000))
        {
            var line = raw.Split('#')[0];
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !IPAddress.TryParse(parts[0], out var address)) continue;
            var ip = address.ToString();
            if (!map.TryGetValue(ip, out var names)) map[ip] = names = [];
            names.AddRange(parts.Skip(1).Select(n => n.ToLowerInvariant()));
        }

        return map;
    }

    private static bool Mentions(string line, string name)
    {
        for (var at = line.IndexOf(name, StringComparison.OrdinalIgnoreCase); at >= 0; at = line.IndexOf(name, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = at == 0 ? ' ' : line[at - 1];
            var after = at + name.Length >= line.Length ? ' ' : line[at + name.Length];
            if (!IsNameChar(before) && before != '.' && !IsNameChar(after)) return true;
        }

        return false;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private static string? NameOfProgram(ProcessState p) =>
        p.Executable is { } exe ? Path.GetFileName(exe) : p.Argv.Count > 0 ? Path.GetFileName(p.Argv[0]) : null;

    internal static string CommandLine(IReadOnlyList<string> argv)
    {
        var text = new StringBuilder();
        foreach (var arg in argv)
        {
            if (text.Length > AgentRecord.MaxValueChars) break;
            if (text.Length > 0) text.Append(' ');
            if (arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\')) text.Append(arg);
            else text.Append('\'').Append(arg.Replace("'", "'\\''", StringComparison.Ordinal)).Append('\'');
        }

        return text.ToString();
    }

    private static string Resolve(string cwd, string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(cwd, path));

    internal static DateTimeOffset Time(double epochSeconds) => DateTimeOffset.UnixEpoch.AddTicks((long)(epochSeconds * TimeSpan.TicksPerSecond));

    private sealed class ProcessState(int pid, int parentPid, double start)
    {
        public int Pid { get; } = pid;

        public int ParentPid { get; set; } = parentPid;

        public double Start { get; } = start;

        public double? ExecTime { get; set; }

        public string? Executable { get; set; }

        public IReadOnlyList<string> Argv { get; set; } = [];

        public string Cwd { get; set; } = "/";

        public bool Inherited { get; set; }

        public bool Written { get; set; }

        public bool Ended { get; set; }

        public int? ExitCode { get; set; }

        public string? Signal { get; set; }

        public MountView View { get; set; } = null!;

        /// <summary>True while its parent is unknown (its own lines came before its parent's fork returned): its view is the initial one until then.</summary>
        public bool ViewGuessed { get; set; }
    }

    private sealed class PendingConnection(AgentRecord record, int port, string endpoint)
    {
        public AgentRecord Record { get; } = record;

        public int Port { get; } = port;

        public string Endpoint { get; } = endpoint;

        public long Bytes { get; set; }
    }
}
