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
        TimeProvider.System)
    {
        EnvironmentNames = () => System.Environment.GetEnvironmentVariables().Keys.Cast<string>(),
    };

    /// <summary>The names of the environment's variables (<c>secrets learn --env 'AWS_*'</c>); none unless set.</summary>
    public Func<IEnumerable<string>> EnvironmentNames { get; init; } = () => [];

    /// <summary>What the global options asked for (--quiet, --verbose, --color); set once the command line is parsed.</summary>
    public OutputSettings Settings { get; init; } = new();

    /// <summary>Columns to fit terminal views into; null asks the console (when interactive) or does not wrap.</summary>
    public int? Width { get; init; }

    /// <summary>Whether views use colour and styles: --color, else NO_COLOR (any non-empty value turns them off), else on a terminal only.</summary>
    public bool UsesColour => Settings.Color switch
    {
        ColorMode.Always => true,
        ColorMode.Never => false,
        _ => Interactive && string.IsNullOrEmpty(Environment("NO_COLOR")),
    };

    /// <summary>The width terminal views wrap at, or null to write each line whole (piped output).</summary>
    public int? ViewWidth => Width ?? (Interactive ? ConsoleWidth() : null);

    /// <summary>A summary or progress line for a person (stderr); --quiet leaves it out. Problems and errors are always written.</summary>
    public Task SayAsync(string line) => Settings.Quiet ? Task.CompletedTask : Error.WriteLineAsync(line);

    /// <summary>A line only --verbose shows (stderr): which config and store a run used.</summary>
    public Task DetailAsync(string line) => Settings.Verbose ? Error.WriteLineAsync(line) : Task.CompletedTask;

    private static int ConsoleWidth()
    {
        try
        {
            return Console.WindowWidth > 20 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    /// <summary>A path as given, resolved against the working directory.</summary>
    public string Resolve(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>A path for people: relative to the working directory when it is under it.</summary>
    public string Display(string path)
    {
        var relative = Path.GetRelativePath(WorkingDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}

/// <summary>--color: auto (colour on a terminal unless NO_COLOR is set), always, never.</summary>
public enum ColorMode
{
    Auto,
    Always,
    Never,
}

/// <summary>The global output options of one run; filled in by <see cref="PipeWatchApp"/> after parsing, read by the commands.</summary>
public sealed class OutputSettings
{
    public bool Quiet { get; set; }

    public bool Verbose { get; set; }

    public ColorMode Color { get; set; }
}
