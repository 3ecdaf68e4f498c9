using System.Diagnostics;
using System.Text;
using PipeWatch.Sources.Files;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>Files that are not what a walk expects: an undecodable byte, a FIFO, a loop of folder links, a file gone since listing.</summary>
public sealed class HostileFilesTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task One_invalid_utf8_byte_loses_only_its_line_which_is_reported_with_its_number()
    {
        var lines = Enumerable.Range(0, 1000).Select(i => Encoding.UTF8.GetBytes(Event(i, "make test"))).ToList();
        lines[499] = [.. Encoding.UTF8.GetBytes(Event(499, "make ")[..^3]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\"}}")];
        File.WriteAllBytes(_temp.File("events.jsonl"), [.. lines.SelectMany(l => l.Append((byte)'\n'))]);

        var result = await new CliRunner(_temp.Path).RunAsync("ingest", "events.jsonl");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("pipewatch: events.jsonl:500: not valid UTF-8 (byte 0xff at offset", result.Error, StringComparison.Ordinal);
        Assert.Contains("999 events", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_found_by_walking_is_skipped_and_reported_rather_than_waited_on()
    {
        Directory.CreateDirectory(_temp.File("in"));
        File.WriteAllText(Path.Combine(_temp.File("in"), "a.jsonl"), Event(1, "make") + "\n");
        MakeFifo(Path.Combine(_temp.File("in"), "b.jsonl"));

        var result = await CliProcess.RunAsync(_temp.Path, null, null, TimeSpan.FromSeconds(60), "ingest", "in");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("in/b.jsonl: not a regular file (a FIFO, socket or device): skipped", result.Error, StringComparison.Ordinal);
        Assert.Contains("1 events", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_loop_of_folder_links_ends_and_every_real_file_is_read_once()
    {
        var inner = Directory.CreateDirectory(Path.Combine(_temp.File("in"), "a", "b")).FullName;
        File.WriteAllText(Path.Combine(inner, "e.jsonl"), Event(1, "make") + "\n");
        Directory.CreateSymbolicLink(Path.Combine(inner, "up"), _temp.File("in"));
        Directory.CreateSymbolicLink(Path.Combine(_temp.File("in"), "self"), ".");

        var result = await CliProcess.RunAsync(_temp.Path, null, null, TimeSpan.FromSeconds(60), "ingest", "in");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ingested 1 file: 1 events", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_gone_since_it_was_listed_counts_no_bytes_instead_of_failing_the_run()
    {
        File.WriteAllText(_temp.File("kept.jsonl"), "{}\n");

        var total = InputFiles.TotalLength([_temp.File("kept.jsonl"), _temp.File("gone.jsonl")]);

        Assert.Equal(3, total);
    }

    private static string Event(int i, string command) =>
        $$$"""{"@timestamp": "2026-11-20T10:00:00Z", "event": {"category": ["process"], "type": ["start"], "id": "e{{{i}}}"}, "process": {"command_line": "{{{command}}}"}}""";

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
