using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PipeWatch.Sources.Runner.Agent;

namespace PipeWatch.Cli.Commands;

/// <summary><c>pipewatch agent start</c> / <c>stop</c> (and the hidden <c>watch</c> they run): one watch over a whole job, from its first step to its last.</summary>
/// <remarks>
/// <c>start</c> launches <c>agent watch --pid PID</c> in a session of its own (it outlives the step that started it), waits until
/// strace is attached (or polling has begun) and records the watcher in a state file; <c>stop</c> sends it SIGTERM, waits for the
/// summary to be written and prints the watcher's last line. The watcher's output goes to the state file's <c>.log</c>.
/// </remarks>
internal static class AgentJobCommands
{
    public static IEnumerable<Command> Create(CliHost host, Func<ParseResult, AgentOptions> options, Func<ParseResult, (string? Events, string? Post, string TokenEnv)> outputs, Option[] shared)
    {
        var state = new Option<string>("--state") { Description = "The state file of the watch.", DefaultValueFactory = _ => Path.Combine(".pipewatch", "agent.state"), HelpName = "FILE" };
        var pid = new Option<int?>("--pid") { Description = "The process to watch with everything it starts from now on; default: the grandparent of 'agent start' (the runner process that runs each step's shell).", HelpName = "PID" };

        var start = new Command("start", "Start watching the job in the background (the runner's process and every process it starts from now on); 'agent stop' ends it and writes the summary.") { state, pid };
        foreach (var option in shared) start.Add(option);
        start.SetAction((parse, ct) => StartAsync(host, parse, parse.GetRequiredValue(state), parse.GetValue(pid), outputs(parse), options(parse), ct));

        var stop = new Command("stop", "End the watch 'agent start' began, write its summary and print it.") { state };
        stop.SetAction((parse, ct) => StopAsync(host, parse.GetRequiredValue(state), ct));

        var watch = new Command("watch", "The background half of 'agent start'.") { Hidden = true };
        watch.Add(state);
        watch.Add(pid);
        foreach (var option in shared) watch.Add(option);
        watch.SetAction((parse, ct) => WatchAsync(host, parse, parse.GetRequiredValue(state), parse.GetValue(pid) ?? 0, outputs(parse), options(parse), ct));
        return [start, stop, watch];
    }

    private static async Task<int> StartAsync(CliHost host, ParseResult parse, string state, int? pid, (string? Events, string? Post, string TokenEnv) outputs, AgentOptions options, CancellationToken ct)
    {
        if (outputs.Events is null && outputs.Post is null)
        {
            await host.Error.WriteLineAsync("pipewatch: agent start: give --events FILE, --post URL or both");
            return ExitCodes.Usage;
        }

        var target = pid ?? Parent(Parent(Environment.ProcessId));
        if (target <= 1 || !Directory.Exists($"/proc/{target}"))
        {
            await host.Error.WriteLineAsync($"pipewatch: agent start: no process {target} to watch (give --pid)");
            return ExitCodes.Usage;
        }

        var statePath = host.Resolve(state);
        Directory.CreateDirectory(Path.GetDirectoryName(statePath)!);
        File.Delete(statePath);
        // The same program and arguments, as 'agent watch', detached: its own session, output to the log, nothing inherited from the step.
        var self = Environment.ProcessPath!;
        var program = Path.GetFileNameWithoutExtension(self) == "dotnet" ? new[] { self, Environment.GetCommandLineArgs()[0] } : [self];
        var args = parse.Tokens.Select(t => t.Value).ToList();
        foreach (var name in new[] { "--pid", "--state" })
        {
            for (var i = args.IndexOf(name); i >= 0; i = args.IndexOf(name)) args.RemoveRange(i, Math.Min(2, args.Count - i));
        }

        var at = args.IndexOf("start");
        args[at] = "watch";
        args.InsertRange(at + 1, ["--pid", target.ToString(CultureInfo.InvariantCulture), "--state", statePath]);
        var launch = new ProcessStartInfo("sh") { UseShellExecute = false, WorkingDirectory = host.WorkingDirectory };
        foreach (var arg in new[] { "-c", "setsid \"$@\" > \"$0.log\" 2>&1 < /dev/null &", statePath }.Concat(program).Concat(args)) launch.ArgumentList.Add(arg);
        using (var shell = Process.Start(launch)!) await shell.WaitForExitAsync(ct);

        for (var waited = 0; waited < 300; waited++)
        {
            if (ReadState(statePath) is { } s && s.GetValueOrDefault("status") == "watching")
            {
                await host.Error.WriteLineAsync($"pipewatch agent: watching process {target} and what it starts (watcher {s["pid"]}, state {host.Display(statePath)})");
                return ExitCodes.Ok;
            }

            await Task.Delay(100, ct);
        }

        await host.Error.WriteLineAsync($"pipewatch: agent start: the watcher did not start; its output: {Tail(statePath + ".log")}");
        return ExitCodes.Usage;
    }

    private static async Task<int> WatchAsync(CliHost host, ParseResult parse, string state, int pid, (string? Events, string? Post, string TokenEnv) outputs, AgentOptions options, CancellationToken ct)
    {
        var list = new List<IAgentOutput>();
        if (outputs.Post is not null && Uri.TryCreate(outputs.Post, UriKind.Absolute, out var url) && host.Environment(outputs.TokenEnv) is { Length: > 0 } token) list.Add(new IngestPoster(url, token));
        if (outputs.Events is not null) list.Add(new AgentFileOutput(host.Resolve(outputs.Events)));
        try
        {
            // Ready once the collector says so (bpftrace loaded, polling begun) or strace is attached.
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var session = AgentSession.RunAsync(options with { AttachPid = pid, Command = [], Watching = () => ready.TrySetResult() }, list, host.Time, ct);
            for (var i = 0; i < 600 && !session.IsCompleted && !ready.Task.IsCompleted && !AgentSession.IsTraced(pid); i++) await Task.Delay(50, CancellationToken.None);
            await File.WriteAllTextAsync(state, $"pid={Environment.ProcessId}\ntarget={pid}\nstatus=watching\n", CancellationToken.None);
            var result = await session;
            foreach (var problem in result.OutputProblems) await host.Error.WriteLineAsync($"pipewatch: agent: {problem}");
            await host.Error.WriteLineAsync($"pipewatch agent: watched process {pid} with {result.Mode}, {result.Records} records" + (result.Missed is null ? string.Empty : $"; missed: {result.Missed}"));
            await File.WriteAllTextAsync(state, $"pid={Environment.ProcessId}\ntarget={pid}\nstatus=done\n", CancellationToken.None);
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var output in list) await output.DisposeAsync();
        }
    }

    private static async Task<int> StopAsync(CliHost host, string state, CancellationToken ct)
    {
        var statePath = host.Resolve(state);
        if (ReadState(statePath) is not { } s || !int.TryParse(s.GetValueOrDefault("pid"), CultureInfo.InvariantCulture, out var watcher))
        {
            await host.Error.WriteLineAsync($"pipewatch: agent stop: {host.Display(statePath)}: no watch to stop");
            return ExitCodes.Usage;
        }

        if (Directory.Exists($"/proc/{watcher}"))
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", watcher.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
            {
                try
                {
                    await kill.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
                }
                catch (TimeoutException)
                {
                    // Run from inside the watched job (a post step), 'kill' is traced by the very strace it stops: its exit can
                    // reach us late or never once strace detaches. The signal is sent; the state file says when the watch ends.
                }
            }

            for (var waited = 0; waited < 600 && ReadState(statePath)?.GetValueOrDefault("status") != "done"; waited++) await Task.Delay(100, ct);
        }

        await host.Error.WriteLineAsync(Tail(statePath + ".log"));
        var done = ReadState(statePath)?.GetValueOrDefault("status") == "done";
        File.Delete(statePath);
        return done ? ExitCodes.Ok : ExitCodes.Usage;
    }

    private static Dictionary<string, string>? ReadState(string path)
    {
        try
        {
            return File.ReadAllLines(path).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Tail(string path)
    {
        try
        {
            return File.ReadAllLines(path).LastOrDefault(l => l.Length > 0) ?? "(no output)";
        }
        catch (IOException)
        {
            return "(no output)";
        }
    }

    private static int Parent(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            return 0;
        }
    }
}
