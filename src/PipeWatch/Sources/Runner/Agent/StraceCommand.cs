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
/// </remarks>
internal static class StraceCommand
{
    public const string Calls = "execve,?execveat,?fork,?vfork,clone,?clone3,chdir,connect,sendto,sendmsg,?sendmmsg,write,writev,recvfrom,unshare,setns,mount,?umount,umount2,?open_tree,?move_mount";

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
