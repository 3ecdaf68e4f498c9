using System.Net;
using System.Text;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The state of one traced job: its processes, who started whom, names resolved; turns <see cref="TraceEvent"/>s into agent records.</summary>
/// <remarks>
/// One process record per program run (an exec), written when it ends or is replaced by another exec, with its parent's
/// program; one connection record per connect() to an inet address, named by the DNS answer or the hosts-file entry the
/// process (or an ancestor) named on its command line; one DNS record per query sent to port 53. Not thread-safe: the
/// session serializes calls.
/// </remarks>
internal sealed class JobTrace
{
    private const int MaxProcesses = 200_000;
    private const int MaxNames = 10_000;

    private readonly Action<AgentRecord> _emit;
    private readonly ProcSampler _proc;
    private readonly Dictionary<int, ProcessState> _processes = [];
    private readonly Dictionary<int, int> _threadGroup = [];
    private readonly Dictionary<string, (string Name, double Time)> _dnsNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, List<string>>> _hostsByNamespace = new(StringComparer.Ordinal);

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
        if (_processes.TryGetValue(e.Child, out var early))
        {
            early.ParentPid = group;
            return;
        }

        Add(e.Child, group, e.Time);
    }

    private void Exit(ExitEvent e)
    {
        if (_threadGroup.Remove(e.Pid) || !_processes.TryGetValue(e.Pid, out var p)) return;
        p.Ended = true;
        p.ExitCode = e.Code;
        p.Signal = e.Signal;
        if (p.Executable is not null && !p.Inherited && !p.Written) WriteProcess(p, e.Time);
    }

    private void Connect(ConnectEvent e)
    {
        if (e.Port == 0) return;
        var p = Find(e.Pid);
        ConnectionCount++;
        var transport = e.Protocol.StartsWith("UDP", StringComparison.Ordinal) ? "udp" : e.Protocol.StartsWith("TCP", StringComparison.Ordinal) ? "tcp" : null;
        var record = new AgentRecord()
            .Set(AgentFields.Category, "network")
            .Set(AgentFields.Type, "connection")
            .Set(AgentFields.Action, AgentFields.ConnectionAction)
            .Set(AgentFields.Outcome, e.Error is null or "EINPROGRESS" or "EAGAIN" ? "success" : "failure")
            .Set(Events.EventFields.Timestamp, Time(e.Time))
            .Set(AgentFields.DestinationIp, e.Ip)
            .Set(AgentFields.DestinationPort, e.Port)
            .Set(AgentFields.DestinationDomain, p is null ? null : NameOf(e.Ip, p))
            .Set(AgentFields.Transport, transport)
            .Set(AgentFields.NetworkType, e.V6 ? "ipv6" : "ipv4")
            .Set("error.code", e.Error is null or "EINPROGRESS" ? null : e.Error);
        AddProcess(record, p, e.Pid);
        _emit(record);
    }

    private void Send(SendEvent e)
    {
        SentBytes += e.Bytes;
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

    private IEnumerable<string> HostsNames(ProcessState p, string ip)
    {
        var ns = _proc.MountNamespace(p.Pid) ?? _proc.MountNamespace(p.ParentPid);
        var key = ns ?? "host";
        if (!_hostsByNamespace.TryGetValue(key, out var hosts))
        {
            var text = _proc.HostsFile(p.Pid) ?? _proc.HostsFile(p.ParentPid) ?? ReadHostHosts();
            hosts = ParseHosts(text);
            if (ns is not null && _hostsByNamespace.Count < 64) _hostsByNamespace[key] = hosts;
        }

        return hosts.TryGetValue(ip, out var names) ? names : [];
    }

    private static string? ReadHostHosts()
    {
        try
        {
            return File.ReadAllText("/etc/hosts");
        }
        catch (IOException)
        {
            return null;
        }
    }

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
    }
}
