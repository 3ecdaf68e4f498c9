using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Reads the JSON lines of <see cref="BpftraceProgram"/> into <see cref="TraceEvent"/>s, in the order things happened.</summary>
/// <remarks>
/// bpftrace reads one buffer per CPU, so a child's start can be printed before the fork that made it: records are held for
/// <see cref="Window"/> seconds of event time and released sorted by their kernel time. A call's entry and exit are paired by
/// thread id; a TCP connection is held until its socket closes so that it carries the bytes the kernel counted. Free text is
/// only ever the last field. A line it does not understand yields nothing and is counted in <see cref="Unreadable"/>. Every
/// table is bounded. Not thread-safe: one parser per trace.
/// </remarks>
internal sealed class BpftraceParser
{
    /// <summary>Seconds of event time a record is held to be put in order.</summary>
    public const double Window = 0.5;

    private const int MaxHeld = 200_000;
    private const int MaxPending = 10_000;

    private readonly double _epochOffset;
    private readonly PriorityQueue<Raw, (double, long)> _queue = new();
    private readonly Dictionary<int, Raw> _lastByPid = [];
    private readonly Dictionary<int, List<string>> _argv = [];
    private readonly Dictionary<int, Raw> _calls = [];
    private readonly Dictionary<int, Raw> _connecting = [];
    private readonly Dictionary<ulong, ConnectEvent> _open = [];
    private readonly Dictionary<ulong, long> _closedEarly = [];
    private long _sequence;
    private double _newest;

    /// <param name="epochOffset">Seconds to add to the kernel's monotonic clock (bpftrace's <c>nsecs</c>) for Unix time.</param>
    public BpftraceParser(double epochOffset) => _epochOffset = epochOffset;

    /// <summary>True once the program's BEGIN line came: every probe is attached.</summary>
    public bool Began { get; private set; }

    /// <summary>Events bpftrace reported lost (its per-CPU buffers overflowed).</summary>
    public long Lost { get; private set; }

    public int Unreadable { get; private set; }

    public string? FirstUnreadable { get; private set; }

    /// <summary>The processes of the tree not yet seen ending (the root included).</summary>
    public HashSet<int> Live { get; } = [];

    /// <summary>Reads one line of bpftrace's output.</summary>
    public void Add(string line)
    {
        if (line.Length == 0) return;
        string data;
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type == "lost_events")
            {
                if (root.TryGetProperty("data", out var lost) && lost.ValueKind == JsonValueKind.Object && lost.TryGetProperty("events", out var n) && n.TryGetInt64(out var count)) Lost += count;
                return;
            }

            if (type != "printf") return;
            data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : string.Empty;
        }
        catch (JsonException)
        {
            Fail(line);
            return;
        }

        if (data.EndsWith('\n')) data = data[..^1];
        if (!Record(data)) Fail(data);
    }

    /// <summary>The events of the records old enough to be in order: older than <see cref="Window"/> before the newest record or before <paramref name="now"/> (kernel seconds); all with <paramref name="all"/>.</summary>
    public IEnumerable<TraceEvent> Release(double now, bool all = false)
    {
        var limit = Math.Max(_newest, now) - Window;
        var events = new List<TraceEvent>();
        while (_queue.TryPeek(out var raw, out var key) && (all || key.Item1 < limit || _queue.Count > MaxHeld))
        {
            _queue.Dequeue();
            Translate(raw, events);
        }

        return events;
    }

    /// <summary>Connections still open at the end of the trace, without their bytes.</summary>
    public IEnumerable<TraceEvent> Finish()
    {
        var open = _open.Values.OrderBy(c => c.Time).ToList();
        _open.Clear();
        return open;
    }

    private bool Record(string data)
    {
        if (data.Length < 3 || data[1] != ' ') return false;
        var kind = data[0];
        switch (kind)
        {
            case 'A':
                // An argv entry of the program start just printed by the same process.
                if (!Split(data, 1, out var a, out var arg) || !int.TryParse(a[0], CultureInfo.InvariantCulture, out var argPid)) return false;
                if (_argv.TryGetValue(argPid, out var list) && list.Count < BpftraceProgram.MaxArguments) list.Add(arg);
                return true;
            case 'T':
                if (!Split(data, 1, out var tt, out var target) || !int.TryParse(tt[0], CultureInfo.InvariantCulture, out var mountTid)) return false;
                if (_lastByPid.TryGetValue(mountTid, out var mount) && mount.Kind == 'M') mount.Text2 = target;
                return true;
            case 'B':
                Began = true;
                return true;
        }

        var fixedFields = kind switch
        {
            'F' => 4, 'E' => 2, 'X' => 2, 'Q' => 4, 'C' => 7, 'c' => 3, 'S' => 4,
            'D' => 3, 'd' => 3, 'U' => 4, 'u' => 3, 'M' => 4, 'm' => 3, 'N' => 3, 'n' => 3,
            _ => -1,
        };
        if (fixedFields < 0 || !Split(data, fixedFields, out var fields, out var text)) return false;
        if (!ulong.TryParse(fields[0], CultureInfo.InvariantCulture, out var ns)) return false;
        var numbers = new long[fields.Length - 1];
        for (var i = 1; i < fields.Length; i++)
        {
            if (Number(fields[i]) is not { } value) return false;
            numbers[i - 1] = value;
        }

        var raw = new Raw(kind, _epochOffset + ns / 1e9, numbers, text);
        _newest = Math.Max(_newest, raw.Time - _epochOffset);
        if (kind == 'E')
        {
            if (_argv.Count >= MaxPending) _argv.Clear();
            _argv[(int)numbers[0]] = raw.Argv = [];
        }
        else if (kind == 'M')
        {
            if (_lastByPid.Count >= MaxPending) _lastByPid.Clear();
            _lastByPid[(int)numbers[0]] = raw;
        }

        _queue.Enqueue(raw, (raw.Time, _sequence++));
        return true;
    }

    private void Translate(Raw r, List<TraceEvent> events)
    {
        var n = r.Numbers;
        switch (r.Kind)
        {
            case 'F':
                Live.Add((int)n[1]);
                events.Add(new SpawnEvent((int)n[0], r.Time, (int)n[1], Thread: false, NewMountNamespace: n[2] != 0));
                break;
            case 'E':
                Bounded(_calls)[(int)n[0]] = r;
                break;
            case 'X':
            {
                var pid = (int)n[0];
                var argv = _calls.Remove(pid, out var exec) && exec.Kind == 'E' && exec.Argv is { Count: > 0 } list ? list : (IReadOnlyList<string>)[r.Text];
                events.Add(new ExecEvent(pid, r.Time, r.Text, argv));
                break;
            }

            case 'Q':
            {
                var pid = (int)n[0];
                var status = (int)n[1];
                var signal = status & 0x7f;
                Live.Remove(pid);
                events.Add(signal == 0 ? new ExitEvent(pid, r.Time, (status >> 8) & 0xff, null) : new ExitEvent(pid, r.Time, null, SignalName(signal)));
                events.Add(new ChildCpuEvent(pid, r.Time, pid, n[2] / 1e9));
                break;
            }

            case 'C':
                Bounded(_connecting)[(int)n[0]] = r;
                break;
            case 'c':
                if (_connecting.Remove((int)n[0], out var connect)) Connected(connect, n[1], events);
                break;
            case 'S':
            {
                var sk = unchecked((ulong)n[0]);
                if (_open.Remove(sk, out var open)) events.Add(open with { Bytes = n[1] });
                else if (_connecting.Values.Any(c => unchecked((ulong)c.Numbers[4]) == sk)) Bounded(_closedEarly)[sk] = n[1];
                break;
            }

            case 'D' or 'U' or 'M' or 'N':
                Bounded(_calls)[(int)n[0]] = r;
                break;
            case 'd' or 'u' or 'm' or 'n':
                if (n[1] == 0 && _calls.Remove((int)n[0], out var call)) Returned(call, r.Time, events);
                else _calls.Remove((int)n[0]);
                break;
        }
    }

    private void Connected(Raw c, long ret, List<TraceEvent> events)
    {
        // C: tid pid fd type sk port, then the address.
        var (pid, fd, type, sk, port) = ((int)c.Numbers[1], (int)c.Numbers[2], c.Numbers[3], unchecked((ulong)c.Numbers[4]), (int)c.Numbers[5]);
        var v6 = c.Text.Contains(':', StringComparison.Ordinal);
        var protocol = (type == 1 ? "TCP" : type == 2 ? "UDP" : "SOCKET") + (v6 ? "v6" : string.Empty);
        var error = ret == 0 ? null : Errno(-ret);
        var e = new ConnectEvent(pid, c.Time, protocol, c.Text, port, v6, error, fd);
        if (type != 1 || error is not (null or "EINPROGRESS"))
        {
            events.Add(e with { Fd = null });
        }
        else if (_closedEarly.Remove(sk, out var bytes))
        {
            events.Add(e with { Bytes = bytes });
        }
        else
        {
            if (_open.Count >= MaxPending)
            {
                foreach (var old in _open.OrderBy(o => o.Value.Time).Take(MaxPending / 4).ToList())
                {
                    _open.Remove(old.Key);
                    events.Add(old.Value);
                }
            }

            _open[sk] = e;
        }
    }

    private static void Returned(Raw call, double time, List<TraceEvent> events)
    {
        // D/U/M/N: tid pid …
        var pid = (int)call.Numbers[1];
        switch (call.Kind)
        {
            case 'D':
                events.Add(new ChdirEvent(pid, time, call.Text));
                break;
            case 'U' when (call.Numbers[2] & 0x20000) != 0:
                events.Add(new MountNamespaceEvent(pid, time, Joined: false, JoinedPid: null));
                break;
            // MS_BIND without MS_REMOUNT.
            case 'M' when (call.Numbers[2] & 4096) != 0 && (call.Numbers[2] & 32) == 0 && call.Text2 is { } target:
                events.Add(new BindMountEvent(pid, time, call.Text, target));
                break;
            case 'N':
                events.Add(new UnmountEvent(pid, time, call.Text));
                break;
        }
    }

    private static Dictionary<TKey, TValue> Bounded<TKey, TValue>(Dictionary<TKey, TValue> table)
        where TKey : notnull
    {
        if (table.Count >= MaxPending) table.Clear();
        return table;
    }

    // The first count space-separated fields after the kind letter, and the rest of the line (the free text, possibly empty).
    private static bool Split(string data, int count, out string[] fields, out string rest)
    {
        fields = new string[count];
        var at = 2;
        for (var i = 0; i < count; i++)
        {
            var space = data.IndexOf(' ', at);
            var end = space < 0 ? data.Length : space;
            if (end == at)
            {
                rest = string.Empty;
                return false;
            }

            fields[i] = data[at..end];
            at = space < 0 ? data.Length : space + 1;
        }

        rest = at >= data.Length ? string.Empty : data[at..];
        return true;
    }

    // Signed, or a kernel address above long's range (kept as its two's complement).
    private static long? Number(string text) =>
        long.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
        : ulong.TryParse(text, CultureInfo.InvariantCulture, out var big) ? unchecked((long)big)
        : null;

    private void Fail(string line)
    {
        Unreadable++;
        FirstUnreadable ??= line.Length > 200 ? line[..200] : line;
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 4 => "SIGILL", 5 => "SIGTRAP", 6 => "SIGABRT", 7 => "SIGBUS", 8 => "SIGFPE",
        9 => "SIGKILL", 10 => "SIGUSR1", 11 => "SIGSEGV", 12 => "SIGUSR2", 13 => "SIGPIPE", 14 => "SIGALRM", 15 => "SIGTERM",
        24 => "SIGXCPU", 25 => "SIGXFSZ", 31 => "SIGSYS",
        _ => "SIG" + signal.ToString(CultureInfo.InvariantCulture),
    };

    private static string Errno(long errno) => errno switch
    {
        1 => "EPERM", 2 => "ENOENT", 4 => "EINTR", 9 => "EBADF", 11 => "EAGAIN", 13 => "EACCES", 22 => "EINVAL", 97 => "EAFNOSUPPORT",
        98 => "EADDRINUSE", 99 => "EADDRNOTAVAIL", 101 => "ENETUNREACH", 103 => "ECONNABORTED", 104 => "ECONNRESET", 106 => "EISCONN",
        110 => "ETIMEDOUT", 111 => "ECONNREFUSED", 113 => "EHOSTUNREACH", 114 => "EALREADY", 115 => "EINPROGRESS",
        _ => "E" + errno.ToString(CultureInfo.InvariantCulture),
    };

    private sealed class Raw(char kind, double time, long[] numbers, string text)
    {
        public char Kind { get; } = kind;

        public double Time { get; } = time;

        public long[] Numbers { get; } = numbers;

        public string Text { get; } = text;

        public string? Text2 { get; set; }

        public List<string>? Argv { get; set; }
    }
}
