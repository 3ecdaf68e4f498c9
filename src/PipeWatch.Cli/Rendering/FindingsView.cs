using PipeWatch.Findings;
using Spectre.Console;

namespace PipeWatch.Cli.Rendering;

/// <summary>Shows findings to a person: a coloured table on a terminal, plain aligned text when piped.</summary>
internal static class FindingsView
{
    public static void Render(IReadOnlyList<Finding> findings, CliHost host)
    {
        if (findings.Count == 0) return;
        findings = [.. findings.Select(f => TerminalText.Escape(f.Location.File is { } file ? f with { Location = f.Location with { File = host.Display(file) } } : f))];
        if (host.Interactive)
        {
            RenderTable(findings, host.Out);
        }
        else
        {
            RenderPlain(findings, host.Out);
        }
    }

    private static void RenderTable(IReadOnlyList<Finding> findings, TextWriter output)
    {
        var console = Terminal.Console(output);
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumn("Severity");
        table.AddColumn("Category");
        table.AddColumn("Where");
        table.AddColumn(new TableColumn("Finding") { Width = 70 });
        foreach (var f in findings)
        {
            table.AddRow(
                Terminal.Severity(f.Severity),
                new Text(f.Category),
                new Text($"{f.Entity}\n{f.Location}"),
                new Markup($"[bold]{Markup.Escape(f.Title)}[/]\n[dim]{Markup.Escape(f.Explanation)}[/]"));
        }

        console.Write(table);
    }

    private static void RenderPlain(IReadOnlyList<Finding> findings, TextWriter output)
    {
        foreach (var f in findings)
        {
            output.WriteLine($"{f.Severity.ToWire().ToUpperInvariant(),-8} {f.Category}  {f.Entity}  {f.Location}");
            output.WriteLine($"         {f.Title}");
            output.WriteLine($"         {f.Explanation}");
            output.WriteLine();
        }
    }

}
