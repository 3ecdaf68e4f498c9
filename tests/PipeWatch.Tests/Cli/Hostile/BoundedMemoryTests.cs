using System.IO.Compression;
using System.Text;
using PipeWatch.Sources.Files;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Cli.Hostile;

/// <summary>
/// Peak memory of an ingest is bounded by a constant plus the block size, whatever the input: each run below is held to a
/// 256 MiB heap (<c>DOTNET_GCHeapHardLimit</c>). A 215 MB job log and a 300 MB zip entry used to fail there (job-log sections
/// of up to 1 Mi characters crossed to detection 256 to a block, 8 blocks queued); a 100 MB line of JSON Lines was buffered whole.
/// </summary>
public sealed class BoundedMemoryTests : IDisposable
{
    private const string HeapLimit = "0x10000000";

    private static readonly byte[] LogLine = Encoding.UTF8.GetBytes("2026-11-27T12:00:00.0000000Z Step output of the build, one line of many " + new string('x', 60) + "\n");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_215_mb_job_log_is_ingested_within_a_256_mib_heap()
    {
        using (var file = File.Create(_temp.File("big.log"))) WriteLog(file, 215L << 20);

        var result = await IngestAsync("big.log");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"ingested 1 file: \d{3,} events \(0 seen before\), 0 new findings, 0 problems", result.Error);
    }

    [Fact]
    public async Task A_300_mb_zip_entry_is_ingested_within_a_256_mib_heap()
    {
        using (var zip = ZipFile.Open(_temp.File("logs_1.zip"), ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("build/1_Run tests.txt", CompressionLevel.Fastest).Open())
        {
            WriteLog(entry, 300L << 20);
        }

        var result = await IngestAsync("logs_1.zip");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"ingested 1 file: \d{3,} events \(0 seen before\), 0 new findings, 0 problems", result.Error);
    }

    [Fact]
    public async Task A_100_mb_line_of_json_lines_is_a_problem_and_the_next_line_is_read()
    {
        var payload = File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json")).ReplaceLineEndings(" ");
        using (var file = new StreamWriter(_temp.File("events.jsonl")))
        {
            file.Write("{\"padding\": \"");
            for (var i = 0; i < 100; i++) file.Write(new string('A', 1 << 20));
            file.Write("\"}\n");
            file.Write(payload);
            file.Write('\n');
        }

        var result = await IngestAsync("events.jsonl");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("events.jsonl:1: line longer than 32 MiB; skipped", result.Error, StringComparison.Ordinal);
        Assert.Contains("ingested 1 file: 1 events (0 seen before), 0 new findings, 1 problem", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_over_the_bound_is_cut_and_the_lines_after_it_are_whole()
    {
        var text = "first\r\n" + new string('y', 3_000_000) + "\nthird\nlast";
        var reader = new BoundedLineReader(new StringReader(text), 1 << 20);
        var lines = new List<(string Line, bool Cut)>();
        while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line) lines.Add((line, reader.LastWasCut));

        Assert.Equal([("first", false), (new string('y', 1 << 20), true), ("third", false), ("last", false)], lines);
    }

    private Task<CliResult> IngestAsync(string file) =>
        CliProcess.RunAsync(_temp.Path, new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = HeapLimit }, null, TimeSpan.FromMinutes(6), "ingest", file, "--store", "store.db");

    private static void WriteLog(Stream target, long bytes)
    {
        var chunk = new byte[LogLine.Length * 1_000];
        for (var i = 0; i < 1_000; i++) LogLine.CopyTo(chunk, i * LogLine.Length);
        for (long written = 0; written < bytes; written += chunk.Length) target.Write(chunk);
    }
}
