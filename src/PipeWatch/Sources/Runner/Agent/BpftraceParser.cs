using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Reads the JSON lines of <see cref="BpftraceProgram"/> into <see cref="TraceEvent"/>s, in the order things happened.</summary>
/// <remarks>
/// bpftrace reads one buffer per CPU, so a child's start can be printed before the fork that made it: records are held for
/// <see cref="Window"/> seconds of event time and released sorted by their kernel time. A call's entry and exit are paired by
/// thread id; a TCP connection is held until its socket closes so that it carries the bytes the kernel counted. A datagram
/// sent (<c>W</c>) is a <see cref="SendEvent"/> with its bytes; a DNS payload (<c>P</c>, and the <c>p</c> pieces that follow
/// a long answer) goes with the last send or receive (<c>R</c>) of its thread in kernel-time order, as a send of no bytes or a
/// <see cref="ReceiveEvent"/> carrying the message.
/// A payload is bpftrace's <c>%r</c> text, where a byte outside printable ASCII is <c>\xNN</c> but a backslash is itself: a
/// payload whose decoded length is not the length printed with it (it held the text <c>\xNN</c>) is dropped, never guessed.
/// Free text is only ever the last field. A line it does not understand yields nothing and is counted in
/// <see cref="Unreadable"/>. Every table is bounded. Not thread-safe: one parser per trace.
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
    private readonly Dictionary<int, Peer> _peers = [];
    private readonly Dictionary<int, byte[]> _partial = [];
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
            'D' => 3, 'd' => 3, 'U' => 4, 'u' => 3, 'M' => 4, 'm' => 3, 'N' => 3, 'n' => 3, 'W' => 12, 'R' => 9, 'P' => 3, 'p' => 3,
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
        if (kind is 'P' or 'p') raw.Payload = Payload(text, numbers[1]);
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

            case 'W':
            {
                // W: tid pid fd type bytes family port, four address words. TCP (DNS over TCP): the kernel counts its bytes.
                var peer = Destination(n[1], n[3], n[5], n[6], n.AsSpan(7, 4), (int)n[2]);
                Bounded(_peers)[(int)n[0]] = peer;
                events.Add(new SendEvent(peer.Pid, r.Time, peer.Protocol, peer.Ip, peer.Port, n[3] == 2 ? n[4] : 0, [], peer.Fd));
                break;
            }

            case 'R':
                // R: tid pid type family, four address words; its port is 53 (the program prints no other).
                Bounded(_peers)[(int)n[0]] = Destination(n[1], n[2], n[3], 53, n.AsSpan(4, 4), null) with { Received = true };
                break;
            case 'P' or 'p' when _peers.TryGetValue((int)n[0], out var to):
                Message(r, to, events);
                break;
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
        if (type == 2 && error is null)
        {
            // A connected UDP socket: what is later sent through the fd counts towards this connection.
            events.Add(e);
        }
        else if (type != 1 || error is not (null or "EINPROGRESS"))
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

    // P: tid, the message's length, its first piece; p: tid, what is left of the message from this piece on, the piece.
    private void Message(Raw r, Peer to, List<TraceEvent> events)
    {
        var tid = (int)r.Numbers[0];
        byte[] message;
        if (r.Payload is null)
        {
            // Not decodable: the message it belongs to is dropped whole.
            _partial.Remove(tid);
            return;
        }

        if (r.Kind == 'P')
        {
            _partial.Remove(tid);
            message = r.Payload!;
        }
        else if (_partial.Remove(tid, out var head))
        {
            message = [.. head, .. r.Payload];
        }
        else
        {
            return;
        }

        if (r.Numbers[1] > r.Payload.Length && message.Length < BpftraceProgram.AnswerBytes)
        {
            Bounded(_partial)[tid] = message;
            return;
        }

        events.Add(to.Received
            ? new ReceiveEvent(to.Pid, r.Time, to.Protocol, to.Ip, to.Port, message)
            : new SendEvent(to.Pid, r.Time, to.Protocol, to.Ip, to.Port, 0, [message], to.Fd));
    }

    // The socket's protocol and destination from the numbers bpftrace printed (family 2 or 10, else no address).
    private static Peer Destination(long pid, long type, long family, long port, ReadOnlySpan<long> words, int? fd)
    {
        var v6 = family == 10;
        var protocol = (type == 1 ? "TCP" : "UDP") + (v6 ? "v6" : string.Empty);
        if (family is not (2 or 10) || port is <= 0 or > 65535) return new Peer((int)pid, protocol, null, null, fd);
        Span<byte> address = stackalloc byte[16];
        for (var i = 0; i < (v6 ? 4 : 1); i++) BinaryPrimitives.WriteUInt32LittleEndian(address[(i * 4)..], unchecked((uint)words[i]));
        return new Peer((int)pid, protocol, new IPAddress(address[..(v6 ? 16 : 4)]).ToString(), (int)port, fd);
    }

    // The bytes of a %r payload: printable ASCII as itself, any other byte as \xNN; null unless exactly min(length, StringBytes) bytes.
    private static byte[]? Payload(string text, long length)
    {
        var expected = (int)Math.Clamp(length, 0, BpftraceProgram.StringBytes);
        var bytes = new byte[expected];
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (count == expected) return null;
            var c = text[i];
            if (c == '\\' && i + 3 < text.Length && text[i + 1] == 'x' && byte.TryParse(text.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes[count++] = b;
                i += 3;
            }
            else if (c is >= ' ' and <= '~')
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                return null;
            }
        }

        return count == expected ? bytes : null;
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

        public byte[]? Payload { get; set; }
    }

    // Where a thread's last datagram went (W) or came from (R): the payload that follows it is its.
    private sealed record Peer(int Pid, string Protocol, string? Ip, int? Port, int? Fd, bool Received = false);
}
