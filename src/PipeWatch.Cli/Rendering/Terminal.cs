using PipeWatch.Findings;
using Spectre.Console;

namespace PipeWatch.Cli.Rendering;

/// <summary>What every terminal view shares: a Spectre console over a writer, and the severity badge.</summary>
internal static class Terminal
{
    /// <summary>A console over <paramref name="output"/> that styles only when the host uses colour (--color, NO_COLOR): without, no escape sequence at all, bold and dim included.</summary>
    public static IAnsiConsole Console(CliHost host, TextWriter output) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = host.UsesColour ? AnsiSupport.Yes : AnsiSupport.No,
        ColorSystem = host.UsesColour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
    });

    /// <summary>"HIGH" in red, "MEDIUM" in yellow…</summary>
    public static Markup Severity(Severity severity) => new($"[{Colour(severity)}]{severity.ToWire().ToUpperInvariant()}[/]");

    /// <summary><paramref name="text"/> as markup in the severity's colour.</summary>
    public static string SeverityMarkup(Severity severity, string text) => $"[{Colour(severity)}]{Markup.Escape(text)}[/]";

    private static string Colour(Severity severity) => severity switch
    {
        Findings.Severity.Critical => "white on red",
        Findings.Severity.High => "red",
        Findings.Severity.Medium => "yellow",
        Findings.Severity.Low => "blue",
        _ => "grey",
    };
}
