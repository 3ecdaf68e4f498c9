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

    public static async Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand(
            "PipeWatch watches CI/CD systems for indicators of compromise: it reads CI payloads and logs, learns what is normal " +
            "per repository, pipeline and job, and reports explained findings.")
        {
            IngestCommand.Create(host),
            FindingsCommand.Create(host),
            ScanCommand.Create(host),
            RulesCommand.Create(host),
            VulnDbCommand.Create(host),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await host.Error.WriteLineAsync($"pipewatch: {error.Message}");
            }

            await host.Error.WriteLineAsync("Run 'pipewatch --help' for usage.");
            return ExitCodes.Usage;
        }

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
        catch (Exception ex)
        {
            // As System.CommandLine's own handler did: 1, and the whole exception unless it was a cancellation (a defect,
            // not the user's input, so everything for the report of it).
            if (ex is not OperationCanceledException) await host.Error.WriteLineAsync($"pipewatch: unexpected error: {ex}");
            return ExitCodes.Findings;
        }
    }
}
