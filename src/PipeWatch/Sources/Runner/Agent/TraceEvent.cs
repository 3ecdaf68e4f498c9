namespace PipeWatch.Sources.Runner.Agent;

/// <summary>One thing a tracer saw a process of the job do; <see cref="JobTrace"/> turns these into agent records.</summary>
/// <remarks>Times are seconds since the Unix epoch, as strace's <c>-ttt</c> prints them. Pids are thread ids as the kernel reports them.</remarks>
internal abstract record TraceEvent(int Pid, double Time);

/// <summary>A successful execve/execveat: the process now runs <paramref name="Path"/>.</summary>
internal sealed record ExecEvent(int Pid, double Time, string Path, IReadOnlyList<string> Argv) : TraceEvent(Pid, Time);

/// <summary>fork, vfork or clone returned <paramref name="Child"/>; a thread when the flags say CLONE_THREAD; in a mount namespace of its own with CLONE_NEWNS.</summary>
internal sealed record SpawnEvent(int Pid, double Time, int Child, bool Thread, bool NewMountNamespace = false) : TraceEvent(Pid, Time);

/// <summary>The process moved to another mount namespace: a new one (unshare CLONE_NEWNS) or, with setns, that of <paramref name="JoinedPid"/> when the fd named it (null: one the trace does not know).</summary>
internal sealed record MountNamespaceEvent(int Pid, double Time, bool Joined, int? JoinedPid) : TraceEvent(Pid, Time);

/// <summary>A bind mount of <paramref name="Source"/> on <paramref name="Target"/> (mount MS_BIND, or open_tree + move_mount); paths as the process gave them.</summary>
internal sealed record BindMountEvent(int Pid, double Time, string Source, string Target) : TraceEvent(Pid, Time);

/// <summary>umount/umount2 of <paramref name="Target"/>.</summary>
internal sealed record UnmountEvent(int Pid, double Time, string Target) : TraceEvent(Pid, Time);

/// <summary>open_tree returned <paramref name="Fd"/>, a detached copy of the mount at <paramref name="Path"/> (a later move_mount names the fd).</summary>
internal sealed record OpenTreeEvent(int Pid, double Time, int Fd, string Path) : TraceEvent(Pid, Time);

/// <summary>move_mount of the tree behind <paramref name="Fd"/> (decorated with <paramref name="FdPath"/> when strace could) onto <paramref name="Target"/>.</summary>
internal sealed record MoveMountEvent(int Pid, double Time, int Fd, string? FdPath, string Target) : TraceEvent(Pid, Time);

/// <summary>A successful chdir.</summary>
internal sealed record ChdirEvent(int Pid, double Time, string Path) : TraceEvent(Pid, Time);

/// <summary>connect() to an IPv4/IPv6 address; <paramref name="Error"/> is the errno name when it failed (EINPROGRESS is an attempt under way).</summary>
/// <param name="Fd">The socket's fd, when traced (a later send on it is this connection's); null when polled.</param>
/// <param name="Bytes">The bytes sent over the connection's whole life, when the collector read the kernel's count at its close (eBPF): the record is then complete and written at once.</param>
internal sealed record ConnectEvent(int Pid, double Time, string Protocol, string Ip, int Port, bool V6, string? Error, int? Fd = null, long? Bytes = null) : TraceEvent(Pid, Time);

/// <summary>Data sent on an inet socket (sendto, sendmsg, sendmmsg, write, writev) through <paramref name="Fd"/>, with the destination when known and the buffers strace printed.</summary>
internal sealed record SendEvent(int Pid, double Time, string Protocol, string? Ip, int? Port, long Bytes, IReadOnlyList<byte[]> Buffers, int? Fd = null) : TraceEvent(Pid, Time);

/// <summary>Data received on an inet socket from <paramref name="Ip"/>:<paramref name="Port"/> (recvfrom): DNS answers are read from it.</summary>
internal sealed record ReceiveEvent(int Pid, double Time, string Protocol, string? Ip, int? Port, byte[] Buffer) : TraceEvent(Pid, Time);

/// <summary>The process (or thread) ended: exit code, or the signal that killed it.</summary>
internal sealed record ExitEvent(int Pid, double Time, int? Code, string? Signal) : TraceEvent(Pid, Time);

/// <summary>A SIGCHLD told a traced parent that <paramref name="Child"/> ended (with an exit code or a signal) after using <paramref name="CpuSeconds"/> of CPU.</summary>
internal sealed record ChildCpuEvent(int Pid, double Time, int Child, double CpuSeconds, int? Code = null, string? Signal = null) : TraceEvent(Pid, Time);
