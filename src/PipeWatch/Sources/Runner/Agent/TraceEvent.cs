namespace PipeWatch.Sources.Runner.Agent;

/// <summary>One thing a tracer saw a process of the job do; <see cref="JobTrace"/> turns these into agent records.</summary>
/// <remarks>Times are seconds since the Unix epoch, as strace's <c>-ttt</c> prints them. Pids are thread ids as the kernel reports them.</remarks>
internal abstract record TraceEvent(int Pid, double Time);

/// <summary>A successful execve/execveat: the process now runs <paramref name="Path"/>.</summary>
internal sealed record ExecEvent(int Pid, double Time, string Path, IReadOnlyList<string> Argv) : TraceEvent(Pid, Time);

/// <summary>fork, vfork or clone returned <paramref name="Child"/>; a thread when the flags say CLONE_THREAD.</summary>
internal sealed record SpawnEvent(int Pid, double Time, int Child, bool Thread) : TraceEvent(Pid, Time);

/// <summary>A successful chdir.</summary>
internal sealed record ChdirEvent(int Pid, double Time, string Path) : TraceEvent(Pid, Time);

/// <summary>connect() to an IPv4/IPv6 address; <paramref name="Error"/> is the errno name when it failed (EINPROGRESS is an attempt under way).</summary>
internal sealed record ConnectEvent(int Pid, double Time, string Protocol, string Ip, int Port, bool V6, string? Error) : TraceEvent(Pid, Time);

/// <summary>Data sent on an inet socket (sendto, sendmsg, sendmmsg), with the destination when known and the buffers strace printed.</summary>
internal sealed record SendEvent(int Pid, double Time, string Protocol, string? Ip, int? Port, long Bytes, IReadOnlyList<byte[]> Buffers) : TraceEvent(Pid, Time);

/// <summary>Data received on an inet socket from <paramref name="Ip"/>:<paramref name="Port"/> (recvfrom): DNS answers are read from it.</summary>
internal sealed record ReceiveEvent(int Pid, double Time, string Protocol, string? Ip, int? Port, byte[] Buffer) : TraceEvent(Pid, Time);

/// <summary>The process (or thread) ended: exit code, or the signal that killed it.</summary>
internal sealed record ExitEvent(int Pid, double Time, int? Code, string? Signal) : TraceEvent(Pid, Time);

/// <summary>A SIGCHLD told a traced parent that <paramref name="Child"/> ended (with an exit code or a signal) after using <paramref name="CpuSeconds"/> of CPU.</summary>
internal sealed record ChildCpuEvent(int Pid, double Time, int Child, double CpuSeconds, int? Code = null, string? Signal = null) : TraceEvent(Pid, Time);
