using System.Text;
using PipeWatch.Findings;
using Spectre.Console;

namespace PipeWatch.Cli.Rendering;

/// <summary>
/// Shows findings to a person, compactly: per finding its severity and title, then what and where (one to three lines,
/// wrapped between words, never inside one), the full explanation only with --details; then the totals per severity.
/// </summary>
internal static class FindingsView
{
    /// <summary>The severity column: "CRITICAL" and a space.</summary>
    private const int Indent = 9;

    /// <summary>Lines a finding takes without --details.</summary>
    private const int MaxLines = 3;

    public static void Render(IReadOnlyList<Finding> findings, CliHost host, bool details = false)
    {
        if (findings.Count == 0) return;
        findings = [.. findings.Select(f => TerminalText.Escape(f.Location.File is { } file ? f with { Location = f.Location with { File = host.Display(file) } } : f))];
        var width = host.ViewWidth is { } columns ? Math.Max(columns - Indent, 20) : (int?)null;
        var console = host.UsesColour ? Terminal.Console(host, host.Out) : null;
        // Lines are wrapped here, between words; the console must not wrap them again at its own idea of the width.
        if (console is not null) console.Profile.Width = int.MaxValue / 2;
        foreach (var f in findings)
        {
            var title = Wrap(f.Title, width);
            var where = Wrap(Where(f), width);
            if (title.Count + where.Count > MaxLines)
            {
                // The title keeps at least one line and where at least one; a cut line ends with an ellipsis.
                var titleLines = Math.Max(1, MaxLines - where.Count);
                title = Cut(title, titleLines, width);
                where = Cut(where, MaxLines - title.Count, width);
            }

            var severity = f.Severity.ToWire().ToUpperInvariant();
            for (var i = 0; i < title.Count; i++)
            {
                Write(console, host.Out, i == 0 ? severity : "", f.Severity, title[i], bold: true);
            }

            foreach (var line in where) Write(console, host.Out, "", f.Severity, line, bold: false, dim: true);
            if (details)
            {
                foreach (var line in Wrap(f.Explanation, width)) Write(console, host.Out, "", f.Severity, line, bold: false);
                host.Out.WriteLine();
            }
        }

        host.Out.WriteLine(Totals(findings));
    }

    /// <summary>"5 findings: 1 critical, 3 high, 1 low".</summary>
    public static string Totals(IReadOnlyList<Finding> findings)
    {
        var counts = findings.GroupBy(f => f.Severity).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}");
        return $"{findings.Count} finding{(findings.Count == 1 ? "" : "s")}: {string.Join(", ", counts)}";
    }

    /// <summary>"secrets.hardcoded · acme/app › alice · src/app.js:12 a1b2c3d4e5f6".</summary>
    private static string Where(Finding f) =>
        string.Join(" · ", new[] { f.Category, f.Entity.ToString(), f.Location.ToString() }.Where(p => p.Length > 0));

    private static void Write(IAnsiConsole? console, TextWriter output, string severity, Severity level, string text, bool bold, bool dim = false)
    {
        if (console is null)
        {
            output.WriteLine($"{severity,-Indent}{text}".TrimEnd());
            return;
        }

        var badge = severity.Length == 0 ? new string(' ', Indent) : Terminal.SeverityMarkup(level, severity) + new string(' ', Indent - severity.Length);
        var style = bold ? "bold" : dim ? "dim" : "default";
        console.MarkupLine($"{badge}[{style}]{Markup.Escape(text)}[/]");
    }

    /// <summary>Words into lines of at most <paramref name="width"/> characters; a word longer than a line stays whole on its own line.</summary>
    internal static List<string> Wrap(string text, int? width)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (width is not { } max) return [string.Join(' ', words)];
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in words)
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > max)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }

        if (line.Length > 0 || lines.Count == 0) lines.Add(line.ToString());
        return lines;
    }

    /// <summary>The first <paramref name="count"/> lines, the last ending in an ellipsis when lines were left out.</summary>
    private static List<string> Cut(List<string> lines, int count, int? width)
    {
        if (lines.Count <= count) return lines;
        var kept = lines.Take(count).ToList();
        var last = kept[^1];
        // The ellipsis takes the place of the last words that leave it no room.
        while (width is { } max && last.Length + 2 > max && last.LastIndexOf(' ') is var space and > 0) last = last[..space];
        kept[^1] = last + " …";
        return kept;
    }
}
