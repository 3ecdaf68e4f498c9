using System.Diagnostics;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The strace command line of the agent, and the check that strace can trace here.</summary>
/// <remarks>
/// <c>-f</c> follows every child; <c>--seccomp-bpf</c> stops the tracee only on the traced calls (the rest run at full speed);
/// <c>-ttt</c> epoch times; <c>-q</c> no attach messages; <c>-yy</c> sockets decorated with protocol and peer. Traced: program
/// starts (execve, execveat), process creation (fork, vfork, clone, clone3: parents), chdir (working directories), connect,
/// sendto/sendmsg/sendmmsg and write/writev (bytes sent per connection, DNS questions to port 53), recvfrom (DNS answers), and
/// the calls that change which /etc/hosts a process sees (unshare, setns, mount, umount2, open_tree, move_mount). Signals: SIGCHLD only (the CPU
/// time of each ended child). A '?' makes a call unknown on the architecture (fork on arm64) no error.
/// <para>
/// Two calls are traced only to make new processes cheap (<see cref="Tripwires"/>, dropped unread by the parser): strace
/// cannot know that a new child carries the seccomp filter, so it stops the child on the entry and exit of EVERY call
/// (PTRACE_SYSCALL) until the child's first traced call. A child of <c>posix_spawn</c> (make, and glibc's system() and popen)
/// resets every signal handler, about 130 rt_sigaction calls, before its execve: on a make -j2 of 200 files that was 55,000
/// of strace's 116,000 stops. The spawn child's first call is rt_sigprocmask, and a fork() child's (glibc) set_robust_list:
/// tracing them puts each child on the filter at once; measured, the build's stops fell from about 124,000 to 33,000 and a
/// shell script's of subshells from 57,000 to 35,000.
/// </para>
/// </remarks>
internal static class StraceCommand
{
    /// <summary>The calls traced only so that a new child's first call is a seccomp stop (see the remarks); their lines carry nothing.</summary>
    public const string Tripwires = "rt_sigprocmask,?set_robust_list";

    public const string Calls = "execve,?execveat,?fork,?vfork,clone,?clone3,chdir,connect,sendto,sendmsg,?sendmmsg,write,writev,recvfrom,unshare,setns,mount,?umount,umount2,?open_tree,?move_mount," + Tripwires;

    /// <param name="output">Where strace writes its lines.</param>
    /// <param name="seccomp">Whether to stop only on the traced calls.</param>
    /// <param name="maxStringBytes">Strings cut at this many bytes.</param>
    /// <param name="command">The command to start, or empty with <paramref name="attach"/>.</param>
    /// <param name="attach">A running process to attach to (and its later children), instead of a command.</param>
    public static List<string> Arguments(string output, bool seccomp, int maxStringBytes, IReadOnlyList<string> command, int? attach = null)
    {
        var args = new List<string> { "-f" };
        // strace refuses --seccomp-bpf for a process it attaches to (the filter must be installed before the program starts).
        if (seccomp && attach is null) args.Add("--seccomp-bpf");
        args.AddRange(["-ttt", "-q", "-yy", "-s", maxStringBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "-e", "trace=" + Calls, "-e", "signal=SIGCHLD", "-o", output]);
        if (attach is { } pid)
        {
            args.AddRange(["-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        else
        {
            args.Add("--");
            args.AddRange(command);
        }
        return args;
    }

    /// <summary>Whether strace can trace a child here, first with <c>--seccomp-bpf</c>, then without; the reason when it cannot.</summary>
    public static async Task<(bool Works, bool Seccomp, string? Reason)> ProbeAsync(string strace, CancellationToken cancellationToken)
    {
        string? reason = null;
        foreach (var seccomp in new[] { true, false })
        {
            var start = new ProcessStartInfo(strace) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in Arguments("/dev/null", seccomp, 32, ["true"])) start.ArgumentList.Add(arg);
            try
            {
                using var process = Process.Start(start)!;
                var error = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (process.ExitCode == 0) return (true, seccomp, null);
                reason ??= error.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? $"strace exited with {process.ExitCode}";
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return (false, false, $"'{strace}' is not installed");
            }
        }

        return (false, false, reason);
    }
}
