using PipeWatch.Findings;
using Spectre.Console;

namespace PipeWatch.Cli.Rendering;

/// <summary>What every terminal view shares: a Spectre console over a writer, and the severity badge.</summary>
internal static class Terminal
{
    public static IAnsiConsole Console(TextWriter output) => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });

    /// <summary>"HIGH" in red, "MEDIUM" in yellow…</summary>
    public static Markup Severity(Severity severity) => new($"[{Colour(severity)}]{severity.ToWire().ToUpperInvariant()}[/]");

    private static string Colour(Severity severity) => severity switch
    {
        Findings.Severity.Critical => "white on red",
        Findings.Severity.High => "red",
        Findings.Severity.Medium => "yellow",
        Findings.Severity.Low => "blue",
        _ => "grey",
    };
}
