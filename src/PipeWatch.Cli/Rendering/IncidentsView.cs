using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PipeWatch.Alerting.Incidents;
using PipeWatch.Findings;
using Spectre.Console;

namespace PipeWatch.Cli.Rendering;

/// <summary>Shows incidents: each a heading (severity, span, actors, repositories) over its findings as a timeline.</summary>
internal static class IncidentsView
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One JSON object per incident per line, in the shape of <see cref="IncidentJson"/>.</summary>
    public static void WriteJsonLines(IReadOnlyList<Incident> incidents, TextWriter output)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            foreach (var incident in incidents)
            {
                IncidentJson.Write(writer, incident);
                writer.Flush();
                writer.Reset();
                buffer.Write("\n"u8);
            }
        }

        output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        output.Flush();
    }

    /// <summary>A coloured table per incident on a terminal, plain aligned text when piped.</summary>
    public static void Render(IReadOnlyList<Incident> incidents, CliHost host)
    {
        if (incidents.Count == 0) return;
        incidents = [.. incidents.Select(i => new Incident(i.Id, i.FirstSeen, i.LastSeen, i.Severity, [.. i.Findings.Select(TerminalText.Escape)]))];
        if (host.Interactive)
        {
            RenderTables(incidents, host);
        }
        else
        {
            RenderPlain(incidents, host.Out);
        }
    }

    private static void RenderTables(IReadOnlyList<Incident> incidents, CliHost host)
    {
        var console = Terminal.Console(host, host.Out);
        foreach (var incident in incidents)
        {
            var table = new Table().Border(TableBorder.Rounded).Expand();
            table.Title = new TableTitle(Markup.Escape(Heading(incident)), new Style(decoration: Decoration.Bold));
            table.AddColumn("Time");
            table.AddColumn("Severity");
            table.AddColumn("Category");
            table.AddColumn("Where");
            table.AddColumn(new TableColumn("Finding") { Width = 60 });
            foreach (var f in incident.Findings)
            {
                table.AddRow(
                    new Text(Time(f.Timestamp)),
                    Terminal.Severity(f.Severity),
                    new Text(f.Category),
                    new Text($"{f.Entity}{Actor(f)}\n{Run(f)}".Trim()),
                    new Markup($"[bold]{Markup.Escape(f.Title)}[/]\n[dim]{Markup.Escape(f.Explanation)}[/]"));
            }

            console.Write(table);
        }
    }

    private static void RenderPlain(IReadOnlyList<Incident> incidents, TextWriter output)
    {
        foreach (var incident in incidents)
        {
            output.WriteLine(Heading(incident));
            foreach (var f in incident.Findings)
            {
                output.WriteLine($"  {Time(f.Timestamp)}  {f.Severity.ToWire().ToUpperInvariant(),-8} {f.Category}  {f.Entity}{Actor(f)}  {Run(f)}".TrimEnd());
                output.WriteLine($"  {"",20}  {f.Title}");
            }

            output.WriteLine();
        }
    }

    /// <summary>"INCIDENT id  HIGH  first → last  3 findings  actors: a, b  repositories: r".</summary>
    private static string Heading(Incident incident)
    {
        var count = incident.Findings.Count;
        var text = new StringBuilder($"INCIDENT {incident.Id}  {incident.Severity.ToWire().ToUpperInvariant()}  ")
            .Append(Time(incident.FirstSeen)).Append(" → ").Append(Time(incident.LastSeen))
            .Append(CultureInfo.InvariantCulture, $"  {count} finding{(count == 1 ? "" : "s")}");
        if (incident.Actors.Count > 0) text.Append("  actors: ").Append(string.Join(", ", incident.Actors));
        if (incident.Repositories.Count > 0) text.Append("  repositories: ").Append(string.Join(", ", incident.Repositories));
        return text.ToString();
    }

    private static string Actor(Finding f) => f.Entity.Actor is { } actor ? $" @{actor}" : "";

    private static string Run(Finding f) => f.Location.RunId is { } run ? $"run {run}" : "";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

}
