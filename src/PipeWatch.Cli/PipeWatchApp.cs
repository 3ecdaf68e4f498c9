using System.CommandLine;
using System.Reflection;
using PipeWatch.Cli.Commands;
using PipeWatch.Cli.Rendering;

namespace PipeWatch.Cli;

/// <summary>The command tree of <c>pipewatch</c>; <see cref="RunAsync"/> is the whole program, callable from tests.</summary>
public static class PipeWatchApp
{
    public static string Version { get; } =
        typeof(PipeWatchApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The exit codes every command shares, for the end of each command's description.</summary>
    public const string ExitCodeHelp =
        "Exit codes: 0 ran, nothing at or above --fail-on; 1 findings at or above it; 2 bad usage or unreadable input; 3 an internal error (a bug: rerun with --verbose and report the trace).";

    /// <summary>"pipewatch vulndb import": the command a parse ended in, for the help hint after an error.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var current = result; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(current.Command is RootCommand ? "pipewatch" : current.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Say more on stderr: the config and store used, and on an internal error the whole trace.", Recursive = true,
        };
        var quiet = new Option<bool>("--quiet", "-q")
        {
            Description = "Print only findings, problems and errors: no summary line, no progress.", Recursive = true,
        };
        var color = new Option<string>("--color")
        {
            Description = "Colour and styles in terminal views: auto (on a terminal, unless the NO_COLOR variable is set), always or never.",
            HelpName = "auto|always|never",
            DefaultValueFactory = _ => "auto",
            Recursive = true,
        }.AcceptOnlyFromAmongIgnoringCase("auto", "always", "never");
        var root = new RootCommand(
            "PipeWatch watches CI/CD systems for indicators of compromise: it reads CI payloads and logs, learns what is normal " +
            "per repository, pipeline and job, and reports explained findings. " + ExitCodeHelp)
        {
            verbose,
            quiet,
            color,
            IngestCommand.Create(host),
            FindingsCommand.Create(host),
            ScanCommand.Create(host),
            RulesCommand.Create(host),
            VulnDbCommand.Create(host),
            AgentCommand.Create(host),
            ServeCommand.Create(host),
            WorkerCommand.Create(host),
            AlertsCommand.Create(host),
            IntelCommand.Create(host),
            SecretsCommand.Create(host),
            StoreCommand.Create(host),
            InventoryCommand.Create(host),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await host.Error.WriteLineAsync($"pipewatch: {error.Message}");
            }

            await host.Error.WriteLineAsync($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }

        if (parse.GetValue(quiet) && parse.GetValue(verbose))
        {
            await host.Error.WriteLineAsync("pipewatch: --quiet and --verbose cannot be used together");
            await host.Error.WriteLineAsync($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }

        host.Settings.Quiet = parse.GetValue(quiet);
        host.Settings.Verbose = parse.GetValue(verbose);
        host.Settings.Color = Enum.Parse<ColorMode>(parse.GetRequiredValue(color), ignoreCase: true);

        // On Ctrl-C the token is cancelled and the command gets time to commit what it processed before the process ends.
        var invocation = new InvocationConfiguration
        {
            Output = host.Out, Error = host.Error, ProcessTerminationTimeout = TimeSpan.FromSeconds(30), EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (OutputFileException ex)
        {
            await host.Error.WriteLineAsync($"pipewatch: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await host.Error.WriteLineAsync("pipewatch: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex)
        {
            // A defect, not the user's input: its own exit code, never 1 (which a gate reads as "findings"); one line, the trace on request.
            var line = ex.Message.ReplaceLineEndings(" ");
            try
            {
                await host.Error.WriteLineAsync(parse.GetValue(verbose)
                    ? $"pipewatch: internal error: {ex}"
                    : $"pipewatch: internal error: {ex.GetType().Name}: {line} (a bug in PipeWatch; rerun with --verbose for the trace)");
            }
            catch (Exception)
            {
                // Standard error is gone too: the exit code is all that can still be said.
            }

            return ExitCodes.InternalError;
        }
    }
}
