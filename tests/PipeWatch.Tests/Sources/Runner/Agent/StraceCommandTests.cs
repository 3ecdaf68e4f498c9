using System.Diagnostics;
using System.Globalization;
using PipeWatch.Sources.Runner.Agent;
using Xunit;

namespace PipeWatch.Tests.Sources.Runner.Agent;

/// <summary>The agent's strace command line over real processes: what it costs a job that starts many children.</summary>
public sealed class StraceCommandTests : IDisposable
{
    // A job that starts 40 programs with posix_spawn (as make and glibc's system() do) and one fork() child that stays a while
    // in Python without exec, then prints its voluntary context switches and its children's: under ptrace each stop is one.
    private const string Spawner = """
        import os, resource
        for _ in range(40):
            os.waitpid(os.posix_spawn('/bin/true', ['true'], dict(os.environ)), 0)
        pid = os.fork()
        if pid == 0:
            for i in range(3000): os.getppid()
            os._exit(0)
        os.waitpid(pid, 0)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw + resource.getrusage(resource.RUSAGE_CHILDREN).ru_nvcsw)
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("pipewatch-strace-");

    [Fact]
    public async Task New_children_stop_only_on_traced_calls_and_the_tripwire_lines_are_dropped_unread()
    {
        var output = Path.Combine(_dir.FullName, "trace");
        var args = StraceCommand.Arguments(output, seccomp: true, 256, ["/usr/bin/python3", "-I", "-S", "-c", Spawner]);
        var without = args.Select(a => a.Replace("," + StraceCommand.Tripwires, "", StringComparison.Ordinal)).ToList();
        Assert.NotEqual(args, without);

        var stopsWithout = await SwitchesAsync(without);
        var stopsWith = await SwitchesAsync(args);

        // Without the tripwires each spawned child stops on the entry and exit of its ~130 signal-handler resets (and the fork
        // child on each of its 3,000 getppid calls): over 10,000 stops. With them, each child is on the filter from its first call.
        Assert.True(stopsWithout > 10_000, $"{stopsWithout} stops without the tripwires");
        Assert.True(stopsWith * 4 < stopsWithout, $"{stopsWith} stops with the tripwires against {stopsWithout} without");

        // The trace still has every program, and the tripwire calls in it read as nothing and not as unreadable.
        var parser = new StraceParser();
        var lines = await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken);
        Assert.Contains(lines, l => l.Contains(" rt_sigprocmask(", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" set_robust_list(", StringComparison.Ordinal));
        var events = lines.SelectMany(parser.Parse).ToList();
        Assert.Equal(40, events.OfType<ExecEvent>().Count(e => e.Path == "/bin/true"));
        Assert.Equal(41, events.OfType<SpawnEvent>().Count(e => !e.Thread));
        Assert.Equal(0, parser.Unreadable);
    }

    private static async Task<long> SwitchesAsync(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("strace") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, await stderr);
        return long.Parse((await stdout).Trim(), CultureInfo.InvariantCulture);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
