namespace PipeWatch.Cli;

/// <summary>What the commands need from the process: output streams, working directory, environment, whether a person is watching.</summary>
/// <param name="Out">Findings and query results (stdout).</param>
/// <param name="Error">Problems, progress and summaries (stderr).</param>
/// <param name="WorkingDirectory">Where relative paths and the default store resolve.</param>
/// <param name="Environment">Reads an environment variable (PIPEWATCH_STORE).</param>
/// <param name="Interactive">True when stdout and stderr are terminals: colours, tables and progress.</param>
/// <param name="Time">The clock.</param>
public sealed record CliHost(
    TextWriter Out,
    TextWriter Error,
    string WorkingDirectory,
    Func<string, string?> Environment,
    bool Interactive,
    TimeProvider Time)
{
    /// <summary>The real process: console streams, current directory, process environment.</summary>
    public static CliHost FromProcess() => new(
        Console.Out,
        Console.Error,
        Directory.GetCurrentDirectory(),
        System.Environment.GetEnvironmentVariable,
        !Console.IsOutputRedirected && !Console.IsErrorRedirected,
        TimeProvider.System);

    /// <summary>A path as given, resolved against the working directory.</summary>
    public string Resolve(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>A path for people: relative to the working directory when it is under it.</summary>
    public string Display(string path)
    {
        var relative = Path.GetRelativePath(WorkingDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
