using System.Diagnostics;
using System.Globalization;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The bpftrace program of the agent's eBPF collector, its command line, and the check that it can run here.</summary>
/// <remarks>
/// Kernel tracepoints only (no kprobes: many runner kernels are built without them), filtered in the kernel to the watched
/// tree: the root pid (<c>$1</c>) and every process it starts, added to the map <c>@w</c> by <c>task:task_newtask</c> (threads,
/// CLONE_THREAD, are not new processes) and removed when each ends. Each line is one fixed-format record whose last field is
/// the only free text (see <see cref="BpftraceParser"/>), printed as bpftrace's JSON output so that a newline in an argument
/// cannot forge a record. Bytes of a TCP connection come from the kernel's own counters read when the socket is closed (state
/// FIN_WAIT1, LAST_ACK or CLOSE), not from traced writes: <c>tcp_sock.bytes_received</c>, and <c>bytes_sent</c> less
/// <c>bytes_retrans</c> (the kernel counts a retransmitted segment again in bytes_sent: a 2 MiB upload over a busy loopback
/// counted 2.1 MiB; both fields since Linux 4.19).
/// <para>
/// UDP and DNS: <c>sendto</c>, <c>sendmsg</c>, <c>sendmmsg</c> and <c>write</c> on a UDP socket (or a TCP one connected to port
/// 53) print a <c>W</c> record: the fd, the bytes asked to be sent and the destination (the address argument, else the
/// socket's peer) as family, port and four 32-bit words of the address as the kernel holds them. A write to anything else
/// (file, pipe, TCP) costs the probe a look at the fd's inode and prints nothing. To port 53, the payload follows in a
/// <c>P</c> record (<c>buf()</c>, cut at <see cref="StringBytes"/>); sendmsg/sendmmsg print theirs on exit from pointers kept
/// in <c>@p</c> (printing both in one probe exceeds the 512-byte BPF stack), so <c>P</c> carries its own time and the reader
/// pairs it with the thread's last <c>W</c>/<c>R</c> in kernel-time order. Only the first buffer of a sendmsg and of the
/// first two messages of a sendmmsg is printed (glibc's resolver uses one buffer per message, and sends A and AAAA in one
/// sendmmsg); bytes add up to four buffers of a sendmsg and the first buffer of up to four sendmmsg messages. Answers:
/// <c>recvfrom</c>/<c>recvmsg</c> on such a socket keep the buffer, address and socket in <c>@r</c> by thread; on exit, when
/// the peer (connected) or the source address (unconnected) has port 53, an <c>R</c> record and the answer's <c>P</c>, followed
/// by up to four <c>p</c> records of the next 200-byte pieces (answers up to <see cref="AnswerBytes"/> bytes, as strace's
/// 1024-byte strings keep them; a CNAME chain easily passes 200).
/// </para>
/// Strings are cut at <see cref="StringBytes"/> bytes and argv at <see cref="MaxArguments"/> entries (the BPF stack bounds both).
/// </remarks>
internal static class BpftraceProgram
{
    /// <summary>Bytes of each string bpftrace keeps (its BPFTRACE_STRLEN; 200 is bpftrace 0.17's largest).</summary>
    public const int StringBytes = 200;

    /// <summary>Bytes of a DNS answer printed, in pieces of <see cref="StringBytes"/>.</summary>
    public const int AnswerBytes = 1000;

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
            printf("S %llu %llu %llu %llu\n", nsecs, (uint64)args->skaddr, $t->bytes_sent - $t->bytes_retrans, $t->bytes_received);
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
        tracepoint:syscalls:sys_enter_sendto /@w[pid]/ {
          $f = *(curtask->files->fdt->fd + args->fd);
          $s = (struct socket *)$f->private_data;
          if (($f->f_inode->i_mode & 0xf000) == 0xc000 && ($s->type == 2 || ($s->type == 1 && $s->sk->__sk_common.skc_dport == 0x3500))) {
            $k = (struct sock *)$s->sk;
            $fam = (uint64)$k->__sk_common.skc_family; $port = (uint64)bswap($k->__sk_common.skc_dport); $a0 = (uint64)$k->__sk_common.skc_daddr; $a1 = (uint64)0; $a2 = (uint64)0; $a3 = (uint64)0;
            if ($fam == 10) { $a0 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0]; $a1 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1]; $a2 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2]; $a3 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3]; }
            if (args->addr != 0) {
              $i = (struct sockaddr_in6 *)uptr(args->addr);
              $fam = (uint64)$i->sin6_family; $port = (uint64)bswap($i->sin6_port);
              if ($fam == 10) { $a0 = (uint64)$i->sin6_addr.in6_u.u6_addr32[0]; $a1 = (uint64)$i->sin6_addr.in6_u.u6_addr32[1]; $a2 = (uint64)$i->sin6_addr.in6_u.u6_addr32[2]; $a3 = (uint64)$i->sin6_addr.in6_u.u6_addr32[3]; }
              else { $a0 = (uint64)((struct sockaddr_in *)$i)->sin_addr.s_addr; $a1 = 0; $a2 = 0; $a3 = 0; }
            }
            printf("W %llu %d %d %d %d %llu %llu %llu %llu %llu %llu %llu\n", nsecs, tid, pid, args->fd, $s->type, args->len, $fam, $port, $a0, $a1, $a2, $a3);
            if ($port == 53) { printf("P %llu %d %llu %r\n", nsecs, tid, args->len, buf(uptr(args->buff), args->len)); }
          }
        }
        tracepoint:syscalls:sys_enter_sendmsg /@w[pid]/ {
          $f = *(curtask->files->fdt->fd + args->fd);
          $s = (struct socket *)$f->private_data;
          if (($f->f_inode->i_mode & 0xf000) == 0xc000 && ($s->type == 2 || ($s->type == 1 && $s->sk->__sk_common.skc_dport == 0x3500))) {
            $k = (struct sock *)$s->sk;
            $fam = (uint64)$k->__sk_common.skc_family; $port = (uint64)bswap($k->__sk_common.skc_dport); $a0 = (uint64)$k->__sk_common.skc_daddr; $a1 = (uint64)0; $a2 = (uint64)0; $a3 = (uint64)0;
            if ($fam == 10) { $a0 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0]; $a1 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1]; $a2 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2]; $a3 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3]; }
            $m = (struct user_msghdr *)uptr(args->msg); $v = (struct iovec *)uptr($m->msg_iov); $len = (uint64)0; $j = (uint64)0;
            unroll(4) { if ($j < $m->msg_iovlen) { $len += (uint64)($v + $j)->iov_len; $j++; } }
            if ($m->msg_name != 0) {
              $i = (struct sockaddr_in6 *)uptr($m->msg_name);
              $fam = (uint64)$i->sin6_family; $port = (uint64)bswap($i->sin6_port);
              if ($fam == 10) { $a0 = (uint64)$i->sin6_addr.in6_u.u6_addr32[0]; $a1 = (uint64)$i->sin6_addr.in6_u.u6_addr32[1]; $a2 = (uint64)$i->sin6_addr.in6_u.u6_addr32[2]; $a3 = (uint64)$i->sin6_addr.in6_u.u6_addr32[3]; }
              else { $a0 = (uint64)((struct sockaddr_in *)$i)->sin_addr.s_addr; $a1 = 0; $a2 = 0; $a3 = 0; }
            }
            printf("W %llu %d %d %d %d %llu %llu %llu %llu %llu %llu %llu\n", nsecs, tid, pid, args->fd, $s->type, $len, $fam, $port, $a0, $a1, $a2, $a3);
            if ($port == 53) { @p[tid] = ((uint64)$v->iov_base, (uint64)$v->iov_len, (uint64)0, (uint64)0); }
          }
        }
        tracepoint:syscalls:sys_enter_sendmmsg /@w[pid]/ {
          $f = *(curtask->files->fdt->fd + args->fd);
          $s = (struct socket *)$f->private_data;
          if (($f->f_inode->i_mode & 0xf000) == 0xc000 && ($s->type == 2 || ($s->type == 1 && $s->sk->__sk_common.skc_dport == 0x3500))) {
            $k = (struct sock *)$s->sk;
            $fam = (uint64)$k->__sk_common.skc_family; $port = (uint64)bswap($k->__sk_common.skc_dport); $a0 = (uint64)$k->__sk_common.skc_daddr; $a1 = (uint64)0; $a2 = (uint64)0; $a3 = (uint64)0;
            if ($fam == 10) { $a0 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0]; $a1 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1]; $a2 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2]; $a3 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3]; }
            $h = (struct mmsghdr *)uptr(args->mmsg); $h1 = $h + 1; $len = (uint64)0; $j = (uint64)0;
            unroll(4) { if ($j < args->vlen) { $len += (uint64)(($h + $j)->msg_hdr.msg_iov)->iov_len; $j++; } }
            $v = (struct iovec *)uptr($h->msg_hdr.msg_iov); $v1 = (struct iovec *)uptr($h1->msg_hdr.msg_iov);
            if ($h->msg_hdr.msg_name != 0) {
              $i = (struct sockaddr_in6 *)uptr($h->msg_hdr.msg_name);
              $fam = (uint64)$i->sin6_family; $port = (uint64)bswap($i->sin6_port);
              if ($fam == 10) { $a0 = (uint64)$i->sin6_addr.in6_u.u6_addr32[0]; $a1 = (uint64)$i->sin6_addr.in6_u.u6_addr32[1]; $a2 = (uint64)$i->sin6_addr.in6_u.u6_addr32[2]; $a3 = (uint64)$i->sin6_addr.in6_u.u6_addr32[3]; }
              else { $a0 = (uint64)((struct sockaddr_in *)$i)->sin_addr.s_addr; $a1 = 0; $a2 = 0; $a3 = 0; }
            }
            printf("W %llu %d %d %d %d %llu %llu %llu %llu %llu %llu %llu\n", nsecs, tid, pid, args->fd, $s->type, $len, $fam, $port, $a0, $a1, $a2, $a3);
            if ($port == 53) { @p[tid] = ((uint64)$v->iov_base, (uint64)$v->iov_len, args->vlen > 1 ? (uint64)$v1->iov_base : (uint64)0, (uint64)$v1->iov_len); }
          }
        }
        tracepoint:syscalls:sys_exit_sendmsg, tracepoint:syscalls:sys_exit_sendmmsg /@p[tid].1/ {
          $p = @p[tid]; delete(@p[tid]);
          printf("P %llu %d %llu %r\n", nsecs, tid, $p.1, buf(uptr($p.0), $p.1));
          if ($p.2 != 0) { printf("P %llu %d %llu %r\n", nsecs, tid, $p.3, buf(uptr($p.2), $p.3)); }
        }
        tracepoint:syscalls:sys_enter_write /@w[pid]/ {
          $f = *(curtask->files->fdt->fd + args->fd);
          $s = (struct socket *)$f->private_data;
          if (($f->f_inode->i_mode & 0xf000) == 0xc000 && ($s->type == 2 || ($s->type == 1 && $s->sk->__sk_common.skc_dport == 0x3500))) {
            $k = (struct sock *)$s->sk;
            $fam = (uint64)$k->__sk_common.skc_family; $port = (uint64)bswap($k->__sk_common.skc_dport); $a0 = (uint64)$k->__sk_common.skc_daddr; $a1 = (uint64)0; $a2 = (uint64)0; $a3 = (uint64)0;
            if ($fam == 10) { $a0 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0]; $a1 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1]; $a2 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2]; $a3 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3]; }
            printf("W %llu %d %d %d %d %llu %llu %llu %llu %llu %llu %llu\n", nsecs, tid, pid, args->fd, $s->type, args->count, $fam, $port, $a0, $a1, $a2, $a3);
            if ($port == 53) { printf("P %llu %d %llu %r\n", nsecs, tid, args->count, buf(uptr(args->buf), args->count)); }
          }
        }
        tracepoint:syscalls:sys_enter_recvfrom /@w[pid]/ {
          $f = *(curtask->files->fdt->fd + args->fd);
          $s = (struct socket *)$f->private_data;
          if (($f->f_inode->i_mode & 0xf000) == 0xc000 && ($s->type == 2 || ($s->type == 1 && $s->sk->__sk_common.skc_dport == 0x3500))) { @r[tid] = ((uint64)args->ubuf, (uint64)args->addr, (uint64)$s->sk); }
        }
        tracepoint:syscalls:sys_enter_recvmsg /@w[pid]/ {
          $f = *(curtask->files->fdt->fd + args->fd);
          $s = (struct socket *)$f->private_data;
          if (($f->f_inode->i_mode & 0xf000) == 0xc000 && ($s->type == 2 || ($s->type == 1 && $s->sk->__sk_common.skc_dport == 0x3500))) {
            $m = (struct user_msghdr *)uptr(args->msg); @r[tid] = ((uint64)((struct iovec *)uptr($m->msg_iov))->iov_base, (uint64)$m->msg_name, (uint64)$s->sk);
          }
        }
        tracepoint:syscalls:sys_exit_recvfrom, tracepoint:syscalls:sys_exit_recvmsg /@r[tid].0/ {
          $r = @r[tid]; delete(@r[tid]);
          if (args->ret > 0) {
            $k = (struct sock *)$r.2;
            $fam = (uint64)$k->__sk_common.skc_family; $port = (uint64)bswap($k->__sk_common.skc_dport); $a0 = (uint64)$k->__sk_common.skc_daddr; $a1 = (uint64)0; $a2 = (uint64)0; $a3 = (uint64)0;
            if ($fam == 10) { $a0 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0]; $a1 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1]; $a2 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2]; $a3 = (uint64)$k->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3]; }
            if ($port == 0 && $r.1 != 0) {
              $i = (struct sockaddr_in6 *)uptr($r.1);
              $fam = (uint64)$i->sin6_family; $port = (uint64)bswap($i->sin6_port);
              if ($fam == 10) { $a0 = (uint64)$i->sin6_addr.in6_u.u6_addr32[0]; $a1 = (uint64)$i->sin6_addr.in6_u.u6_addr32[1]; $a2 = (uint64)$i->sin6_addr.in6_u.u6_addr32[2]; $a3 = (uint64)$i->sin6_addr.in6_u.u6_addr32[3]; }
              else { $a0 = (uint64)((struct sockaddr_in *)$i)->sin_addr.s_addr; $a1 = 0; $a2 = 0; $a3 = 0; }
            }
            if ($port == 53) {
              printf("R %llu %d %d %d %llu %llu %llu %llu %llu\n", nsecs, tid, pid, $k->sk_type, $fam, $a0, $a1, $a2, $a3);
              printf("P %llu %d %llu %r\n", nsecs, tid, args->ret, buf(uptr($r.0), args->ret));
              if (args->ret > 200) { printf("p %llu %d %llu %r\n", nsecs, tid, args->ret - 200, buf(uptr($r.0 + 200), args->ret - 200)); }
              if (args->ret > 400) { printf("p %llu %d %llu %r\n", nsecs, tid, args->ret - 400, buf(uptr($r.0 + 400), args->ret - 400)); }
              if (args->ret > 600) { printf("p %llu %d %llu %r\n", nsecs, tid, args->ret - 600, buf(uptr($r.0 + 600), args->ret - 600)); }
              if (args->ret > 800) { printf("p %llu %d %llu %r\n", nsecs, tid, args->ret - 800, buf(uptr($r.0 + 800), args->ret - 800)); }
            }
          }
        }
        END { clear(@w); clear(@k); clear(@r); clear(@p); }
        """;

    /// <summary>The tracepoints the program needs, as tracefs names them: their absence is the usual reason it cannot attach.</summary>
    private static readonly string[] Tracepoints = ["task/task_newtask", "sched/sched_process_exec", "sched/sched_process_exit", "syscalls/sys_enter_execve", "syscalls/sys_enter_connect", "sock/inet_sock_set_state", "syscalls/sys_enter_sendmmsg", "syscalls/sys_exit_recvfrom"];

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
