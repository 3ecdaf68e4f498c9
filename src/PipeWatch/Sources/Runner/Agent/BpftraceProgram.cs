using System.Diagnostics;
using System.Globalization;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The bpftrace program of the agent's eBPF collector, its command line, and the check that it can run here.</summary>
/// <remarks>
/// Kernel tracepoints only (no kprobes: many runner kernels are built without them), filtered in the kernel to the watched
/// tree: the root pid (<c>$1</c>) and every process it starts, added to the map <c>@w</c> by <c>task:task_newtask</c> (threads,
/// CLONE_THREAD, are not new processes) and removed when each ends. Each line is one fixed-format record whose last field is
/// the only free text (see <see cref="BpftraceParser"/>), printed as bpftrace's JSON output so that a newline in an argument
/// cannot forge a record. Bytes of a TCP connection come from the kernel's own counters (<c>tcp_sock.bytes_sent/received</c>)
/// read when the socket is closed (state FIN_WAIT1, LAST_ACK or CLOSE), not from traced writes: a process's writes cost nothing.
/// Strings are cut at <see cref="StringBytes"/> bytes and argv at <see cref="MaxArguments"/> entries (the BPF stack bounds both).
/// </remarks>
internal static class BpftraceProgram
{
    /// <summary>Bytes of each string bpftrace keeps (its BPFTRACE_STRLEN; 200 is bpftrace 0.17's largest).</summary>
    public const int StringBytes = 200;

    /// <summary>argv entries printed per program start.</summary>
    public const int MaxArguments = 32;

    public const string Text = """
        BEGIN { @w[(uint64)$1] = 1; printf("B %llu\n", nsecs); }
        tracepoint:task:task_newtask /@w[pid]/ {
          if ((args->clone_flags & 0x10000) == 0) { @w[(uint64)args->pid] = 1; printf("F %llu %d %d %d\n", nsecs, pid, args->pid, (args->clone_flags & 0x20000) != 0 ? 1 : 0); }
        }
        tracepoint:syscalls:sys_enter_execve /@w[pid]/ {
          printf("E %llu %d\n", nsecs, pid);
          $i = 0; $n = 1;
          unroll(32) { if ($n) { $p = *(args->argv + $i); if ($p == 0) { $n = 0; } else { printf("A %d %s\n", pid, str($p)); $i++; } } }
        }
        tracepoint:sched:sched_process_exec /@w[pid]/ { printf("X %llu %d %s\n", nsecs, pid, str(args->filename)); }
        tracepoint:sched:sched_process_exit /@w[pid] && pid == tid/ {
          printf("Q %llu %d %d %llu\n", nsecs, pid, curtask->exit_code, curtask->utime + curtask->stime + curtask->signal->utime + curtask->signal->stime);
          delete(@w[pid]);
        }
        tracepoint:syscalls:sys_enter_connect /@w[pid]/ {
          $fam = *(uint16 *)args->uservaddr;
          if ($fam == 2 || $fam == 10) {
            $f = *(curtask->files->fdt->fd + args->fd);
            $s = (struct socket *)$f->private_data;
            if ($fam == 2) {
              $a = (struct sockaddr_in *)args->uservaddr;
              printf("C %llu %d %d %d %d %llu %d %s\n", nsecs, tid, pid, args->fd, $s->type, (uint64)$s->sk, bswap($a->sin_port), ntop(2, $a->sin_addr.s_addr));
            } else {
              $b = (struct sockaddr_in6 *)args->uservaddr;
              printf("C %llu %d %d %d %d %llu %d %s\n", nsecs, tid, pid, args->fd, $s->type, (uint64)$s->sk, bswap($b->sin6_port), ntop(10, $b->sin6_addr.in6_u.u6_addr8));
            }
            if ($s->type == 1) { @k[(uint64)$s->sk] = 1; }
          }
        }
        tracepoint:syscalls:sys_exit_connect /@w[pid]/ { printf("c %llu %d %d\n", nsecs, tid, args->ret); }
        tracepoint:sock:inet_sock_set_state /@k[(uint64)args->skaddr]/ {
          if (args->newstate == 4 || args->newstate == 7 || args->newstate == 9) {
            $t = (struct tcp_sock *)args->skaddr;
            printf("S %llu %llu %llu %llu\n", nsecs, (uint64)args->skaddr, $t->bytes_sent, $t->bytes_received);
            delete(@k[(uint64)args->skaddr]);
          }
        }
        tracepoint:syscalls:sys_enter_chdir /@w[pid]/ { printf("D %llu %d %d %s\n", nsecs, tid, pid, str(args->filename)); }
        tracepoint:syscalls:sys_exit_chdir /@w[pid]/ { printf("d %llu %d %d\n", nsecs, tid, args->ret); }
        tracepoint:syscalls:sys_enter_unshare /@w[pid]/ { printf("U %llu %d %d %llu\n", nsecs, tid, pid, args->unshare_flags); }
        tracepoint:syscalls:sys_exit_unshare /@w[pid]/ { printf("u %llu %d %d\n", nsecs, tid, args->ret); }
        tracepoint:syscalls:sys_enter_mount /@w[pid]/ { printf("M %llu %d %d %llu %s\n", nsecs, tid, pid, args->flags, str(args->dev_name)); printf("T %d %s\n", tid, str(args->dir_name)); }
        tracepoint:syscalls:sys_exit_mount /@w[pid]/ { printf("m %llu %d %d\n", nsecs, tid, args->ret); }
        tracepoint:syscalls:sys_enter_umount /@w[pid]/ { printf("N %llu %d %d %s\n", nsecs, tid, pid, str(args->name)); }
        tracepoint:syscalls:sys_exit_umount /@w[pid]/ { printf("n %llu %d %d\n", nsecs, tid, args->ret); }
        END { clear(@w); clear(@k); }
        """;

    /// <summary>The tracepoints the program needs, as tracefs names them: their absence is the usual reason it cannot attach.</summary>
    private static readonly string[] Tracepoints = ["task/task_newtask", "sched/sched_process_exec", "sched/sched_process_exit", "syscalls/sys_enter_execve", "syscalls/sys_enter_connect", "sock/inet_sock_set_state"];

    /// <summary>bpftrace's arguments: JSON lines, line-buffered, the program from <paramref name="script"/>, the root pid as <c>$1</c>.</summary>
    public static List<string> Arguments(string script, int root) => ["-f", "json", "-B", "line", script, root.ToString(CultureInfo.InvariantCulture)];

    /// <summary>The environment bpftrace needs: strings of <see cref="StringBytes"/>, room for a large tree and bursts of starts.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Environment() =>
    [
        new("BPFTRACE_STRLEN", StringBytes.ToString(CultureInfo.InvariantCulture)),
        new("BPFTRACE_MAP_KEYS_MAX", "65536"),
        new("BPFTRACE_PERF_RB_PAGES", "1024"),
    ];

    /// <summary>Whether the collector may work here, from cheap checks (no program is loaded): bpftrace installed, privileges, tracefs with the tracepoints, kernel BTF; the reason when not.</summary>
    /// <remarks>Loading can still fail (a locked-down kernel, a seccomp profile refusing bpf()): the session then reads bpftrace's error before anything of the job ran.</remarks>
    public static async Task<(bool Works, string? Reason)> ProbeAsync(string bpftrace, CancellationToken cancellationToken)
    {
        try
        {
            var start = new ProcessStartInfo(bpftrace) { ArgumentList = { "--version" }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0) return (false, $"'{bpftrace} --version' exited with {process.ExitCode}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (false, $"'{bpftrace}' is not installed");
        }

        if (!HasCapabilities()) return (false, "not root and without CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)");
        if (!File.Exists("/sys/kernel/btf/vmlinux")) return (false, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
        var tracefs = new[] { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" }.FirstOrDefault(d => Directory.Exists(Path.Combine(d, "events")));
        if (tracefs is null) return (false, "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
        return Tracepoints.FirstOrDefault(t => !Directory.Exists(Path.Combine(tracefs, "events", t))) is { } missing
            ? (false, $"the kernel has no tracepoint {missing.Replace('/', ':')}")
            : (true, null);
    }

    // CapEff from /proc/self/status: CAP_SYS_ADMIN (21), or CAP_PERFMON (38) with CAP_BPF (39).
    private static bool HasCapabilities()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            if (line is null || !ulong.TryParse(line["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var caps)) return false;
            return (caps & (1UL << 21)) != 0 || ((caps & (1UL << 38)) != 0 && (caps & (1UL << 39)) != 0);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
