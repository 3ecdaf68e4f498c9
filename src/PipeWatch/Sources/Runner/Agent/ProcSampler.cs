using System.Globalization;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>Reads <c>/proc</c> for the processes of a tree: CPU time, resident memory, storage I/O, and (for the polling mode) what each runs and its sockets.</summary>
/// <remarks>Processes come and go while it reads: a file that vanished is a process that ended, never an error. Stateless and thread-safe.</remarks>
internal sealed class ProcSampler
{
    /// <summary>USER_HZ: the unit of CPU times in /proc and in SIGCHLD; 100 on every Linux ABI.</summary>
    public const int ClockTicksPerSecond = 100;

    private readonly string _proc;

    public ProcSampler(string proc = "/proc") => _proc = proc;

    /// <summary>The live processes of the tree under <paramref name="root"/> (itself included unless excluded), with their usage.</summary>
    /// <param name="root">The tree's root pid.</param>
    /// <param name="exclude">A pid left out, with nothing under it left out (the tracer itself, whose children are the job).</param>
    /// <remarks>
    /// Walks down from the root through each task's <c>children</c> file (Linux 3.5+): only the tree is read, a few files per
    /// process, where a scan of every process's <c>stat</c> on the machine cost the idle agent most of its CPU. Without
    /// <c>children</c> files (a kernel built without them), the whole of /proc is scanned for parents.
    /// </remarks>
    public List<ProcessSample> Sample(int root, int? exclude = null)
    {
        if (File.Exists(Path.Combine(_proc, root.ToString(CultureInfo.InvariantCulture), "task", root.ToString(CultureInfo.InvariantCulture), "children")))
        {
            return SampleTree(root, exclude);
        }

        var parents = new Dictionary<int, (int Parent, string Stat)>();
        IEnumerable<string> dirs;
        try
        {
            dirs = Directory.EnumerateDirectories(_proc);
        }
        catch (IOException)
        {
            return [];
        }

        foreach (var dir in dirs)
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, CultureInfo.InvariantCulture, out var pid)) continue;
            if (Read(Path.Combine(dir, "stat")) is not { } stat || StatFields(stat) is not { } fields || fields.Length < 22) continue;
            if (int.TryParse(fields[1], CultureInfo.InvariantCulture, out var parent)) parents[pid] = (parent, stat);
        }

        var children = parents.GroupBy(p => p.Value.Parent).ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToList());
        var samples = new List<ProcessSample>();
        var queue = new Queue<int>();
        queue.Enqueue(root);
        var seen = new HashSet<int>();
        while (queue.Count > 0 && samples.Count < 100_000)
        {
            var pid = queue.Dequeue();
            if (!seen.Add(pid)) continue;
            if (parents.TryGetValue(pid, out var entry) && pid != exclude && StatFields(entry.Stat) is { } f)
            {
                var cpu = (Long(f[11]) + Long(f[12])) / (double)ClockTicksPerSecond;
                var rss = Long(f[21]) * Environment.SystemPageSize;
                var (read, write) = Io(pid);
                samples.Add(new ProcessSample(pid, entry.Parent, cpu, rss, read, write, Comm(entry.Stat)));
            }

            if (children.TryGetValue(pid, out var list)) list.ForEach(queue.Enqueue);
        }

        return samples;
    }

    private List<ProcessSample> SampleTree(int root, int? exclude)
    {
        var samples = new List<ProcessSample>();
        var queue = new Queue<int>();
        queue.Enqueue(root);
        var seen = new HashSet<int>();
        while (queue.Count > 0 && seen.Count < 100_000)
        {
            var pid = queue.Dequeue();
            if (!seen.Add(pid)) continue;
            var dir = Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture));
            if (Read(Path.Combine(dir, "stat")) is not { } stat || StatFields(stat) is not { Length: >= 22 } f) continue;
            if (pid != exclude)
            {
                var cpu = (Long(f[11]) + Long(f[12])) / (double)ClockTicksPerSecond;
                var rss = Long(f[21]) * Environment.SystemPageSize;
                var (read, write) = Io(pid);
                samples.Add(new ProcessSample(pid, (int)Long(f[1]), cpu, rss, read, write, Comm(stat)));
            }

            foreach (var child in Children(dir)) queue.Enqueue(child);
        }

        return samples;
    }

    // The children of every thread of a process (a child belongs to the thread that forked it).
    private static IEnumerable<int> Children(string dir)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories(Path.Combine(dir, "task"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var children = new List<int>();
        foreach (var task in tasks.Take(65_536))
        {
            if (Read(Path.Combine(task, "children")) is not { Length: > 0 } list) continue;
            foreach (var word in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(word, CultureInfo.InvariantCulture, out var child)) children.Add(child);
            }
        }

        return children;
    }

    /// <summary>What a process runs: its executable, argv and working directory; null when it has ended or cannot be read.</summary>
    public (string? Executable, IReadOnlyList<string> Argv, string? Cwd)? Describe(int pid)
    {
        var dir = Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture));
        var cmdline = ReadBytes(Path.Combine(dir, "cmdline"));
        if (cmdline is null) return null;
        var argv = System.Text.Encoding.UTF8.GetString(cmdline).TrimEnd('\0').Split('\0').Take(1024).ToList();
        return (Link(Path.Combine(dir, "exe")), argv.Count == 1 && argv[0].Length == 0 ? [] : argv, Link(Path.Combine(dir, "cwd")));
    }

    /// <summary>The socket inodes a process has open.</summary>
    public IEnumerable<long> Sockets(int pid)
    {
        string[] fds;
        try
        {
            fds = Directory.GetFiles(Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture), "fd"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var fd in fds.Take(65_536))
        {
            if (Link(fd) is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)
                && long.TryParse(target.AsSpan(8, target.Length - 9), CultureInfo.InvariantCulture, out var inode))
            {
                yield return inode;
            }
        }
    }

    /// <summary>The connected inet sockets in a process's network namespace, by inode: remote address and port, protocol.</summary>
    public Dictionary<long, (string Ip, int Port, string Protocol, bool V6)> Connections(int pid)
    {
        var found = new Dictionary<long, (string, int, string, bool)>();
        foreach (var (file, protocol, v6) in new[] { ("tcp", "TCP", false), ("tcp6", "TCPv6", true), ("udp", "UDP", false), ("udp6", "UDPv6", true) })
        {
            if (Read(Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture), "net", file)) is not { } table) continue;
            foreach (var line in table.Split('\n').Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 10 || !long.TryParse(parts[9], CultureInfo.InvariantCulture, out var inode) || inode == 0) continue;
                // State 0A is LISTEN; a UDP socket without a peer has remote port 0.
                if (parts[3] == "0A" || ProcAddress(parts[2], v6) is not { } remote || remote.Port == 0) continue;
                found[inode] = (remote.Ip, remote.Port, protocol, v6);
            }
        }

        return found;
    }

    /// <summary>The text of /etc/hosts as <paramref name="pid"/> sees it (its own root and mounts), or null.</summary>
    public string? HostsFile(int pid) => Read(Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture), "root", "etc", "hosts"));

    private (long Read, long Write) Io(int pid)
    {
        if (Read(Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture), "io")) is not { } io) return (0, 0);
        long read = 0, write = 0;
        foreach (var line in io.Split('\n'))
        {
            if (line.StartsWith("read_bytes: ", StringComparison.Ordinal)) read = Long(line[12..]);
            else if (line.StartsWith("write_bytes: ", StringComparison.Ordinal)) write = Long(line[13..]);
        }

        return (read, write);
    }

    private static (string Ip, int Port)? ProcAddress(string text, bool v6)
    {
        var colon = text.IndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)) return null;
        var hex = text[..colon];
        if (hex.Length != (v6 ? 32 : 8)) return null;
        var bytes = Convert.FromHexString(hex);
        // /proc/net prints each 32-bit word in host (little-endian) order.
        for (var i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
        return (new System.Net.IPAddress(bytes).ToString(), port);
    }

    // The fields after "pid (comm)", from the state on: comm may hold spaces and parentheses, so split after the last ')'.
    // The name between the first '(' and the last ')' of a stat line (the name itself may hold either).
    private static string? Comm(string stat)
    {
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        return open < 0 || close <= open ? null : stat[(open + 1)..close];
    }

    private static string[]? StatFields(string stat)
    {
        var close = stat.LastIndexOf(')');
        return close < 0 ? null : stat[(close + 2)..].Split(' ');
    }

    private static long Long(string text) => long.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static byte[]? ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Link(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>One process's usage at one sample: cumulative CPU seconds, resident bytes, storage bytes read and written.</summary>
/// <param name="Program">The process's name in <c>stat</c> (its program's file name, cut at 15 characters): it changes when the process calls exec.</param>
internal sealed record ProcessSample(int Pid, int ParentPid, double CpuSeconds, long RssBytes, long ReadBytes, long WriteBytes, string? Program = null);
