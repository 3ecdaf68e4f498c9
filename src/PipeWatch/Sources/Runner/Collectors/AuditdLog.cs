using System.Globalization;
using System.Net;
using System.Text;
using PipeWatch.Events;

namespace PipeWatch.Sources.Runner.Collectors;

/// <summary>
/// Linux audit logs (<c>/var/log/audit/audit.log</c>, raw or <c>ausearch -i</c>): records grouped into events by their serial
/// (<c>msg=audit(TIME:SERIAL)</c>), an <c>execve</c> event (SYSCALL + EXECVE + CWD + PROCTITLE) read as a program start and a
/// <c>connect</c> event (SYSCALL + SOCKADDR) as a connection.
/// </summary>
/// <remarks>
/// Records of one event may interleave with another's: each serial is kept open until its EOE record, until
/// <see cref="MaxOpen"/> others are open (the oldest is then complete), or the end of the log. Syscalls are named (<c>ausearch
/// -i</c>, enriched logs) or numbered for the arch (x86_64, aarch64, i386); a failed execve is no program run. EXECVE arguments
/// are quoted, hex (when they hold spaces or quotes) or split (<c>a1[0]=</c>); SOCKADDR <c>saddr</c> is the hex sockaddr (family
/// little-endian, port and address in network order) or ausearch's <c>{ fam=inet laddr=… lport=… }</c>. Not thread-safe: one per log.
/// </remarks>
internal sealed class AuditdLog
{
    /// <summary>Events kept open at once, waiting for their last record.</summary>
    public const int MaxOpen = 256;

    private const int MaxRecordsPerEvent = 64;

    private static readonly Dictionary<string, (string Execve, string Execveat, string Connect)> Syscalls = new(StringComparer.Ordinal)
    {
        ["c000003e"] = ("59", "322", "42"),
        ["x86_64"] = ("59", "322", "42"),
        ["c00000b7"] = ("221", "281", "203"),
        ["aarch64"] = ("221", "281", "203"),
        ["40000003"] = ("11", "358", "362"),
        ["i386"] = ("11", "358", "362"),
    };

    private readonly string _host;
    private readonly Dictionary<string, Group> _open = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <param name="host">The host the log is from, for <c>host.name</c> (a record's <c>node=</c> wins).</param>
    public AuditdLog(string? host = null) => _host = host ?? string.Empty;

    /// <summary>True when <paramref name="line"/> is an audit record (<c>[node=… ]type=… msg=audit(…)</c>).</summary>
    public static bool Recognizes(string line)
    {
        var text = line.TrimStart();
        if (text.StartsWith("node=", StringComparison.Ordinal)) text = text[(text.IndexOf(' ') + 1)..];
        return text.StartsWith("type=", StringComparison.Ordinal) && text.Contains(" msg=audit(", StringComparison.Ordinal);
    }

    /// <summary>Reads one line; returns the events it completed (none, or those pushed out of the open window), or a reason it cannot be read.</summary>
    public IEnumerable<Event> Add(string line, Origin origin, out string? problem)
    {
        problem = null;
        if (Parse(line) is not { } record)
        {
            problem = "not an audit record (type=… msg=audit(TIME:SERIAL): …)";
            return [];
        }

        var done = new List<Event>();
        if (!_open.TryGetValue(record.Key, out var group))
        {
            if (record.Type == "EOE") return [];
            if (_open.Count >= MaxOpen && _order.TryDequeue(out var oldest) && _open.Remove(oldest, out var pushed)) Complete(pushed, done);
            _open[record.Key] = group = new Group(record.Time, record.Serial, origin);
            _order.Enqueue(record.Key);
        }

        if (record.Type == "EOE")
        {
            _open.Remove(record.Key);
            Complete(group, done);
        }
        else if (group.Records.Count < MaxRecordsPerEvent)
        {
            group.Records.Add(record);
        }

        return done;
    }

    /// <summary>The events still open at the end of the log, completed.</summary>
    public IEnumerable<Event> Finish()
    {
        var done = new List<Event>();
        while (_order.TryDequeue(out var key))
        {
            if (_open.Remove(key, out var group)) Complete(group, done);
        }

        return done;
    }

    private void Complete(Group group, List<Event> done)
    {
        var syscall = group.Records.FirstOrDefault(r => r.Type == "SYSCALL");
        if (syscall is null) return;
        var name = SyscallName(syscall.Fields);
        var fields = new CollectorFields()
            .With(AgentFields.HostName, syscall.Fields.GetValueOrDefault("node") ?? (_host.Length > 0 ? _host : null))
            .With(AgentFields.Pid, syscall.Fields.GetValueOrDefault("pid"))
            .With(AgentFields.ParentPid, syscall.Fields.GetValueOrDefault("ppid"))
            .With(AgentFields.Executable, Unquote(syscall.Fields.GetValueOrDefault("exe")))
            .With(AgentFields.Name, CollectorEvents.NameOf(Unquote(syscall.Fields.GetValueOrDefault("exe"))) ?? Unquote(syscall.Fields.GetValueOrDefault("comm")))
            .With("user.id", syscall.Fields.GetValueOrDefault("uid"))
            .With("rule.name", Unquote(syscall.Fields.GetValueOrDefault("key")) is { } key && key != "(null)" ? key : null)
            .With(AgentFields.WorkingDirectory, group.Records.FirstOrDefault(r => r.Type == "CWD") is { } cwd ? Unquote(cwd.Fields.GetValueOrDefault("cwd")) : null);
        var proctitle = group.Records.FirstOrDefault(r => r.Type == "PROCTITLE") is { } title ? Argv(title.Fields.GetValueOrDefault("proctitle")) : null;
        var id = $"{group.Time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}:{group.Serial}";
        var success = syscall.Fields.GetValueOrDefault("success") == "yes";
        if (name is "execve" or "execveat")
        {
            if (!success) return;
            var argv = group.Records.FirstOrDefault(r => r.Type == "EXECVE") is { } execve ? ExecveArguments(execve.Fields) : proctitle;
            fields.With(AgentFields.CommandLine, argv is null ? null : Agent.JobTrace.CommandLine(argv)).With(AgentFields.ArgsCount, argv?.Count);
            done.Add(CollectorEvents.ProgramStart("auditd", id, group.Time, fields, group.Origin));
        }
        else if (name == "connect" && group.Records.FirstOrDefault(r => r.Type == "SOCKADDR") is { } sockaddr && Address(sockaddr.Fields) is { } address)
        {
            // A non-blocking connect returns EINPROGRESS (-115): an attempt under way, not a failure.
            var exit = syscall.Fields.GetValueOrDefault("exit");
            fields.With(AgentFields.CommandLine, proctitle is null ? null : Agent.JobTrace.CommandLine(proctitle))
                .With(AgentFields.DestinationIp, address.Ip).With(AgentFields.DestinationPort, address.Port)
                .With(AgentFields.NetworkType, address.V6 ? "ipv6" : "ipv4");
            done.Add(CollectorEvents.Connection("auditd", id, group.Time, success || exit == "-115" || exit?.StartsWith("EINPROGRESS", StringComparison.Ordinal) == true ? Outcome.Success : Outcome.Failure, fields, group.Origin));
        }
    }

    private static string? SyscallName(Dictionary<string, string> fields)
    {
        if (fields.GetValueOrDefault("syscall") is not { } syscall) return null;
        if (!char.IsAsciiDigit(syscall[0])) return syscall;
        if (fields.GetValueOrDefault("arch") is not { } arch || !Syscalls.TryGetValue(arch, out var numbers)) return null;
        return syscall == numbers.Execve ? "execve" : syscall == numbers.Execveat ? "execveat" : syscall == numbers.Connect ? "connect" : null;
    }

    // EXECVE: argc=N a0="…" a1=HEX a2_len=… a2[0]=HEX a2[1]=HEX …
    private static List<string>? ExecveArguments(Dictionary<string, string> fields)
    {
        if (!int.TryParse(fields.GetValueOrDefault("argc"), CultureInfo.InvariantCulture, out var argc) || argc < 0) return null;
        var argv = new List<string>();
        for (var i = 0; i < Math.Min(argc, 1024); i++)
        {
            if (fields.GetValueOrDefault($"a{i}") is { } whole)
            {
                argv.Add(Value(whole));
                continue;
            }

            var pieces = new StringBuilder();
            for (var part = 0; part < 4096 && fields.GetValueOrDefault($"a{i}[{part}]") is { } piece; part++) pieces.Append(Value(piece));
            argv.Add(pieces.ToString());
        }

        return argv;
    }

    // A field value: "quoted" text, or hex of the bytes when auditd encoded it (it holds a space, a quote or a control byte).
    private static string Value(string raw) =>
        raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' ? raw[1..^1]
        : raw.Length % 2 == 0 && raw.Length > 0 && raw.All(char.IsAsciiHexDigit) ? Encoding.UTF8.GetString(Convert.FromHexString(raw))
        : raw;

    private static string? Unquote(string? raw) => raw is null ? null : Value(raw);

    // PROCTITLE: the hex of argv joined by NULs (or quoted when it is plain).
    private static List<string>? Argv(string? raw)
    {
        if (raw is null) return null;
        var encoded = raw.StartsWith('"') || raw.Length % 2 == 0 && raw.All(char.IsAsciiHexDigit);
        return [.. Value(raw).Split(encoded ? '\0' : ' ', StringSplitOptions.RemoveEmptyEntries).Take(1024)];
    }

    private static (string Ip, long Port, bool V6)? Address(Dictionary<string, string> fields)
    {
        if (fields.GetValueOrDefault("saddr") is not { } saddr) return null;
        if (saddr.StartsWith('{'))
        {
            // ausearch -i: { fam=inet laddr=93.184.216.34 lport=443 }
            var parts = saddr.Trim('{', '}', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            return parts.GetValueOrDefault("fam") is "inet" or "inet6" && parts.GetValueOrDefault("laddr") is { } laddr && IPAddress.TryParse(laddr, out var interpreted)
                && long.TryParse(parts.GetValueOrDefault("lport"), CultureInfo.InvariantCulture, out var lport)
                ? (interpreted.ToString(), lport, parts["fam"] == "inet6")
                : null;
        }

        if (saddr.Length % 2 != 0 || saddr.Length < 8 || !saddr.All(char.IsAsciiHexDigit)) return null;
        var bytes = Convert.FromHexString(saddr);
        var family = bytes[0] | (bytes[1] << 8);
        var port = (bytes[2] << 8) | bytes[3];
        return family switch
        {
            2 when bytes.Length >= 8 => (new IPAddress(bytes.AsSpan(4, 4)).ToString(), port, false),
            10 when bytes.Length >= 24 => (new IPAddress(bytes.AsSpan(8, 16)).ToString(), port, true),
            _ => null,
        };
    }

    private static Record? Parse(string line)
    {
        // Enriched logs append the interpreted fields after a GS (0x1d) separator: the raw ones before it are enough.
        var text = line.Split('\u001d')[0].Trim();
        string? node = null;
        if (text.StartsWith("node=", StringComparison.Ordinal))
        {
            var space = text.IndexOf(' ');
            if (space < 0) return null;
            node = text[5..space];
            text = text[(space + 1)..];
        }

        if (!text.StartsWith("type=", StringComparison.Ordinal)) return null;
        var typeEnd = text.IndexOf(' ');
        var open = text.IndexOf("msg=audit(", StringComparison.Ordinal);
        var close = open < 0 ? -1 : text.IndexOf(')', open);
        if (typeEnd < 0 || open < 0 || close < 0) return null;
        var stamp = text[(open + 10)..close];
        var colon = stamp.LastIndexOf(':');
        if (colon < 0) return null;
        DateTimeOffset time;
        if (decimal.TryParse(stamp[..colon], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds < 1e11m)
        {
            time = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        }
        else if (DateTimeOffset.TryParseExact(stamp[..colon], "MM/dd/yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var interpreted))
        {
            // ausearch -i: the local time of the machine it ran on, which the log does not say; taken as UTC.
            time = interpreted;
        }
        else
        {
            return null;
        }

        var serial = stamp[(colon + 1)..];
        var body = text[(close + 1)..].TrimStart(' ', ':');
        var fields = Fields(body);
        // ausearch -i prints the process title as text with its arguments joined by spaces: all of the rest of the line.
        if (text[5..typeEnd] == "PROCTITLE" && body.StartsWith("proctitle=", StringComparison.Ordinal)) fields["proctitle"] = body["proctitle=".Length..];
        if (node is not null) fields["node"] = node;
        return new Record(text[5..typeEnd], serial, time, fields);
    }

    // key=value pairs; a value is "quoted" (kept with its quotes), '…' (an embedded message), { … } (ausearch's sockaddr) or a word.
    private static Dictionary<string, string> Fields(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length && fields.Count < 2048)
        {
            while (i < text.Length && text[i] == ' ') i++;
            var eq = text.IndexOf('=', i);
            if (eq < 0) break;
            var key = text[i..eq];
            var start = eq + 1;
            var end = start < text.Length ? text[start] switch
            {
                '"' => text.IndexOf('"', start + 1) is var q and >= 0 ? q + 1 : text.Length,
                '\'' => text.IndexOf('\'', start + 1) is var q and >= 0 ? q + 1 : text.Length,
                '{' => text.IndexOf('}', start + 1) is var q and >= 0 ? q + 1 : text.Length,
                _ => text.IndexOf(' ', start) is var s and >= 0 ? s : text.Length,
            } : text.Length;
            if (key.Length > 0 && !key.Contains(' ', StringComparison.Ordinal)) fields.TryAdd(key, text[start..end]);
            i = end;
        }

        return fields;
    }

    private sealed record Record(string Type, string Serial, DateTimeOffset Time, Dictionary<string, string> Fields)
    {
        public string Key => $"{Time.Ticks}:{Serial}";
    }

    private sealed class Group(DateTimeOffset time, string serial, Origin origin)
    {
        public DateTimeOffset Time { get; } = time;

        public string Serial { get; } = serial;

        public Origin Origin { get; } = origin;

        public List<Record> Records { get; } = [];
    }
}
