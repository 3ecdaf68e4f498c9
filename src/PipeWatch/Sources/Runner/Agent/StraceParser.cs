using System.Globalization;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Reads the lines of <c>strace -f -ttt -q -yy</c> (see <see cref="StraceCommand"/>) into <see cref="TraceEvent"/>s.</summary>
/// <remarks>
/// Joins calls strace splits across lines ("&lt;unfinished ...&gt;" and "&lt;... connect resumed&gt;"), per pid. A line it
/// does not understand yields nothing and is counted in <see cref="Unreadable"/>. Not thread-safe: one parser per trace.
/// <para>
/// A new process or thread can run, and strace print its calls, before its parent's fork or clone returns (seen on a busy
/// machine: curl's resolver thread sent its DNS questions before the clone that made it was resumed), and until then nobody
/// knows whose it is. So while a fork or clone is unfinished, the lines of a pid not seen before are held; they are read right
/// after the call that made the pid returns, or when no fork or clone is unfinished any more (a pid no call in flight made:
/// the first process, or a thread of an attached one), or at <see cref="Flush"/>.
/// </para>
/// </remarks>
internal sealed class StraceParser
{
    private const string Unfinished = " <unfinished ...>";
    private const int MaxHeldLines = 4096;
    private const int MaxKnown = 100_000;
    private readonly Dictionary<int, string> _pending = [];
    private readonly HashSet<int> _spawning = [];
    private readonly HashSet<int> _known = [];
    private readonly Dictionary<int, List<string>> _held = [];
    private int _heldLines;

    /// <summary>Lines that could not be read.</summary>
    public int Unreadable { get; private set; }

    /// <summary>The first line that could not be read (cut at 200 characters), to show with the count.</summary>
    public string? FirstUnreadable { get; private set; }

    public IReadOnlyList<TraceEvent> Parse(string line)
    {
        var events = new List<TraceEvent>();
        Parse(line, events);
        return events;
    }

    /// <summary>Reads the lines still held (the trace ended with a fork or clone unfinished).</summary>
    public IReadOnlyList<TraceEvent> Flush()
    {
        var events = new List<TraceEvent>();
        ReleaseAll(events);
        return events;
    }

    private void Parse(string line, List<TraceEvent> events)
    {
        var firstSpace = line.IndexOf(' ');
        if (firstSpace <= 0 || !int.TryParse(line.AsSpan(0, firstSpace), CultureInfo.InvariantCulture, out var pid))
        {
            Fail(line);
            return;
        }

        // strace pads the pid to a column ("3229  1796…" when other pids have five digits).
        var timeStart = firstSpace + 1;
        while (timeStart < line.Length && line[timeStart] == ' ') timeStart++;
        var secondSpace = line.IndexOf(' ', timeStart);
        if (secondSpace < 0 || !double.TryParse(line.AsSpan(timeStart, secondSpace - timeStart), NumberStyles.Float, CultureInfo.InvariantCulture, out var time))
        {
            Fail(line);
            return;
        }

        var body = line[(secondSpace + 1)..];
        if (NotInetSocketIo(body) || IsTripwire(body)) return;
        if (!_known.Contains(pid))
        {
            if (_spawning.Count > 0 && _heldLines < MaxHeldLines)
            {
                if (!_held.TryGetValue(pid, out var lines)) _held[pid] = lines = [];
                lines.Add(line);
                _heldLines++;
                return;
            }

            // Past the bound, what is held is read first, to keep each pid's lines in order.
            if (_spawning.Count > 0) ReleaseAll(events);
            if (_known.Count >= MaxKnown) _known.Clear();
            _known.Add(pid);
        }

        if (body.StartsWith("+++ ", StringComparison.Ordinal))
        {
            events.AddRange(Exit(pid, time, body));
            // Gone: a call it left unfinished will not return, and its pid is new again if it comes back.
            _pending.Remove(pid);
            _known.Remove(pid);
            if (_spawning.Remove(pid) && _spawning.Count == 0) ReleaseAll(events);
            return;
        }

        if (body.StartsWith("--- SIGCHLD ", StringComparison.Ordinal))
        {
            events.AddRange(ChildCpu(pid, time, body));
            return;
        }

        if (body.StartsWith("---", StringComparison.Ordinal)) return;
        if (body.EndsWith(Unfinished, StringComparison.Ordinal))
        {
            // Bounded: a call is at most one pending prefix per pid, and prefixes are as long as one strace line.
            _pending[pid] = body[..^Unfinished.Length];
            if (IsSpawn(body)) _spawning.Add(pid);
            else _spawning.Remove(pid);
            return;
        }

        if (body.StartsWith("<... ", StringComparison.Ordinal))
        {
            var resumed = body.IndexOf(" resumed>", StringComparison.Ordinal);
            if (resumed < 0 || !_pending.Remove(pid, out var prefix)) return;
            body = prefix + body[(resumed + " resumed>".Length)..];
            _spawning.Remove(pid);
        }

        var made = Call(pid, time, body);
        events.AddRange(made);
        foreach (var e in made)
        {
            // The new pid's own lines, read right after the call that made it.
            if (e is SpawnEvent spawn) Release(spawn.Child, events);
        }

        // The rest once no fork or clone is in flight.
        if (_spawning.Count == 0 && _held.Count > 0) ReleaseAll(events);
    }

    private static bool IsSpawn(string body) =>
        body.StartsWith("clone(", StringComparison.Ordinal) || body.StartsWith("clone3(", StringComparison.Ordinal)
        || body.StartsWith("fork(", StringComparison.Ordinal) || body.StartsWith("vfork(", StringComparison.Ordinal);

    private void Release(int pid, List<TraceEvent> events)
    {
        _known.Add(pid);
        if (!_held.Remove(pid, out var lines)) return;
        _heldLines -= lines.Count;
        foreach (var line in lines) Parse(line, events);
    }

    private void ReleaseAll(List<TraceEvent> events)
    {
        while (_held.Count > 0) Release(_held.Keys.First(), events);
    }

    // Most writes and reads are on files and pipes, and only an inet socket's count: told by the first argument's decoration
    // (3</tmp/x.s> against 5<TCP:[…]>) before the buffer, up to a kilobyte of escapes, is split. A call left unfinished is
    // dropped here too, and its resumption then finds no prefix.
    private static bool NotInetSocketIo(string body)
    {
        var open = body.StartsWith("write(", StringComparison.Ordinal) ? 6
            : body.StartsWith("writev(", StringComparison.Ordinal) ? 7
            : body.StartsWith("recvfrom(", StringComparison.Ordinal) ? 9
            : -1;
        if (open < 0) return false;
        var end = body.AsSpan(open).IndexOfAny(',', '<');
        if (end < 0 || body[open + end] == ',') return true;
        var decoration = body.AsSpan(open + end + 1);
        return !decoration.StartsWith("TCP", StringComparison.Ordinal) && !decoration.StartsWith("UDP", StringComparison.Ordinal);
    }

    // The calls traced only to put new children on strace's filter (StraceCommand.Tripwires), and their resumptions: nothing to read.
    private static bool IsTripwire(string body) =>
        body.StartsWith("rt_sigprocmask(", StringComparison.Ordinal) || body.StartsWith("set_robust_list(", StringComparison.Ordinal)
        || body.StartsWith("<... rt_sigprocmask resumed>", StringComparison.Ordinal) || body.StartsWith("<... set_robust_list resumed>", StringComparison.Ordinal);

    private void Fail(string line)
    {
        Unreadable++;
        FirstUnreadable ??= line.Length > 200 ? line[..200] : line;
    }

    private static IEnumerable<TraceEvent> Exit(int pid, double time, string body)
    {
        const string exited = "+++ exited with ";
        const string killed = "+++ killed by ";
        if (body.StartsWith(exited, StringComparison.Ordinal)
            && int.TryParse(body.AsSpan(exited.Length).TrimEnd(" +"), CultureInfo.InvariantCulture, out var code))
        {
            return [new ExitEvent(pid, time, code, null)];
        }

        if (body.StartsWith(killed, StringComparison.Ordinal))
        {
            var signal = body[killed.Length..].Split(' ')[0];
            return [new ExitEvent(pid, time, null, signal)];
        }

        return [];
    }

    private static IEnumerable<TraceEvent> ChildCpu(int pid, double time, string body)
    {
        var child = Field(body, "si_pid=");
        var user = Field(body, "si_utime=");
        var system = Field(body, "si_stime=");
        if (child is null || user is null || system is null || !body.Contains("CLD_EXITED", StringComparison.Ordinal) && !body.Contains("CLD_KILLED", StringComparison.Ordinal) && !body.Contains("CLD_DUMPED", StringComparison.Ordinal))
        {
            return [];
        }

        var exited = body.Contains("CLD_EXITED", StringComparison.Ordinal);
        var status = Word(body, "si_status=");
        return [new ChildCpuEvent(
            pid, time, (int)child, (user.Value + system.Value) / (double)ProcSampler.ClockTicksPerSecond,
            exited && int.TryParse(status, CultureInfo.InvariantCulture, out var code) ? code : null,
            exited ? null : status)];
    }

    private IEnumerable<TraceEvent> Call(int pid, double time, string body)
    {
        var open = body.IndexOf('(');
        if (open <= 0)
        {
            Fail(body);
            return [];
        }

        var name = body[..open];
        var args = StraceSyntax.SplitArguments(body[(open + 1)..], out var rest);
        if (args is null)
        {
            Fail(body);
            return [];
        }

        var result = StraceSyntax.Result(rest, out var error);
        switch (name)
        {
            case "execve" when result == 0 && args.Count >= 2 && StraceSyntax.String(args[0]) is { } path:
                return [new ExecEvent(pid, time, path, StraceSyntax.StringArray(args[1]))];
            case "execveat" when result == 0 && args.Count >= 3 && StraceSyntax.String(args[1]) is { } path:
                return [new ExecEvent(pid, time, path, StraceSyntax.StringArray(args[2]))];
            case "fork" or "vfork" when result > 0:
                return [new SpawnEvent(pid, time, (int)result.Value, Thread: false)];
            case "clone" or "clone3" when result > 0:
            {
                var thread = args.Any(a => a.Contains("CLONE_THREAD", StringComparison.Ordinal));
                return [new SpawnEvent(pid, time, (int)result.Value, thread, NewMountNamespace: !thread && args.Any(a => a.Contains("CLONE_NEWNS", StringComparison.Ordinal)))];
            }

            case "unshare" when result == 0 && args.Count == 1 && args[0].Contains("CLONE_NEWNS", StringComparison.Ordinal):
                return [new MountNamespaceEvent(pid, time, Joined: false, JoinedPid: null)];
            case "setns" when result == 0 && args.Count == 2
                && (args[1].Contains("CLONE_NEWNS", StringComparison.Ordinal) || StraceSyntax.FdPath(args[0]) is { } ns && (ns.StartsWith("mnt:", StringComparison.Ordinal) || ns.EndsWith("/ns/mnt", StringComparison.Ordinal))):
                return [new MountNamespaceEvent(pid, time, Joined: true, JoinedPid: NamespaceOwner(StraceSyntax.FdPath(args[0])))];
            case "mount" when result == 0 && args.Count >= 4 && args[3].Contains("MS_BIND", StringComparison.Ordinal) && !args[3].Contains("MS_REMOUNT", StringComparison.Ordinal)
                && StraceSyntax.String(args[0]) is { } source && StraceSyntax.String(args[1]) is { } target:
                return [new BindMountEvent(pid, time, source, target)];
            case "umount2" or "umount" when result == 0 && args.Count >= 1 && StraceSyntax.String(args[0]) is { } target:
                return [new UnmountEvent(pid, time, target)];
            case "open_tree" when result >= 0 && args.Count >= 2 && StraceSyntax.String(args[1]) is { } path:
                return [new OpenTreeEvent(pid, time, (int)result!.Value, Under(StraceSyntax.FdPath(args[0]), path))];
            case "move_mount" when result == 0 && args.Count >= 4 && StraceSyntax.FdNumber(args[0]) is { } fd && StraceSyntax.String(args[3]) is { } target:
                return [new MoveMountEvent(pid, time, fd, StraceSyntax.FdPath(args[0]), Under(StraceSyntax.FdPath(args[2]), target))];
            case "chdir" when result == 0 && args.Count == 1 && StraceSyntax.String(args[0]) is { } dir:
                return [new ChdirEvent(pid, time, dir)];
            case "connect" when args.Count >= 2 && StraceSyntax.SocketAddress(args[1]) is { } address:
                return [new ConnectEvent(pid, time, StraceSyntax.FdSocket(args[0]).Protocol, address.Ip, address.Port, address.V6, result == 0 ? null : error ?? "?", StraceSyntax.FdNumber(args[0]))];
            case "sendto" when args.Count >= 5 && result >= 0:
            {
                var (protocol, peerIp, peerPort) = StraceSyntax.FdSocket(args[0]);
                if (!IsInet(protocol)) return [];
                var to = StraceSyntax.SocketAddress(args[4]);
                var buffer = StraceSyntax.Bytes(args[1]);
                return [new SendEvent(pid, time, protocol, to?.Ip ?? peerIp, to?.Port ?? peerPort, result!.Value, buffer is null ? [] : [buffer], StraceSyntax.FdNumber(args[0]))];
            }

            case "sendmsg" or "sendmmsg" when args.Count >= 2 && result >= 0:
            {
                var (protocol, peerIp, peerPort) = StraceSyntax.FdSocket(args[0]);
                if (!IsInet(protocol)) return [];
                var to = StraceSyntax.SocketAddress(args[1]);
                var buffers = StraceSyntax.QuotedAfter(args[1], "iov_base=").ToList();
                // sendmsg returns bytes; sendmmsg returns messages, so its bytes are the buffers' lengths.
                var bytes = name == "sendmsg" ? result!.Value : buffers.Sum(b => (long)b.Length);
                return [new SendEvent(pid, time, protocol, to?.Ip ?? peerIp, to?.Port ?? peerPort, bytes, buffers, StraceSyntax.FdNumber(args[0]))];
            }

            case "write" or "writev" when args.Count >= 2 && result > 0:
            {
                // Most writes are to files and pipes: only a socket's (told by the fd's decoration) count.
                var (protocol, peerIp, peerPort) = StraceSyntax.FdSocket(args[0]);
                if (!IsInet(protocol)) return [];
                // The buffers matter only for DNS over TCP (port 53); the rest are counted, not kept.
                IReadOnlyList<byte[]> buffers = peerPort != 53 ? [] : name == "write" ? StraceSyntax.Bytes(args[1]) is { } b ? [b] : [] : StraceSyntax.QuotedAfter(args[1], "iov_base=").ToList();
                return [new SendEvent(pid, time, protocol, peerIp, peerPort, result!.Value, buffers, StraceSyntax.FdNumber(args[0]))];
            }

            case "recvfrom" when args.Count >= 5 && result > 0:
            {
                var (protocol, peerIp, peerPort) = StraceSyntax.FdSocket(args[0]);
                if (!IsInet(protocol)) return [];
                var from = StraceSyntax.SocketAddress(args[4]);
                return StraceSyntax.Bytes(args[1]) is { } buffer
                    ? [new ReceiveEvent(pid, time, protocol, from?.Ip ?? peerIp, from?.Port ?? peerPort, buffer)]
                    : [];
            }

            default:
                return [];
        }
    }

    // A namespace fd opened as /proc/PID/ns/mnt names its process (strace shows "mnt:[4026…]" for most, which names none).
    private static int? NamespaceOwner(string? path) =>
        path is not null && path.StartsWith("/proc/", StringComparison.Ordinal) && path.EndsWith("/ns/mnt", StringComparison.Ordinal)
        && int.TryParse(path.AsSpan(6, path.Length - 6 - "/ns/mnt".Length), CultureInfo.InvariantCulture, out var owner) ? owner : null;

    // A path given relative to a directory fd (AT_FDCWD</work>): joined to the directory strace decorated it with.
    private static string Under(string? directory, string path) =>
        path.StartsWith('/') || directory is null || !directory.StartsWith('/') ? path : Path.Join(directory, path);

    private static bool IsInet(string protocol) => protocol.StartsWith("TCP", StringComparison.Ordinal) || protocol.StartsWith("UDP", StringComparison.Ordinal);

    private static string? Word(string text, string name)
    {
        var at = text.IndexOf(name, StringComparison.Ordinal);
        if (at < 0) return null;
        at += name.Length;
        var end = text.IndexOfAny([',', '}', ' '], at);
        return end < 0 ? text[at..] : text[at..end];
    }

    private static long? Field(string text, string name)
    {
        var at = text.IndexOf(name, StringComparison.Ordinal);
        if (at < 0) return null;
        at += name.Length;
        var end = at;
        while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
        return long.TryParse(text.AsSpan(at, end - at), CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
