using System.Diagnostics;
using System.Text.Json;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;

namespace PipeWatch.Bench;

/// <summary>
/// Memory of a JSON document that is one big array (an audit-log export): the same GitHub audit-log entries read (a) as JSON
/// Lines, the streamed baseline; (b) as one array, streamed element by element as <c>ingest</c> reads it now; (c) as one array
/// read whole and parsed at once, as <c>ingest</c> read it before. Prints, per stage, the events, wall and CPU time, the bytes
/// allocated and the peak managed heap (sampled every 5 ms, after a full collection before the stage).
/// </summary>
/// <remarks>Run with <c>dotnet run -c Release --project bench/PipeWatch.Bench -- --suite json-array --events N</c>; the corpus is <see cref="AuditLogCorpus"/>.</remarks>
internal static class JsonArrayBenchmark
{
    public static async Task<int> RunAsync(string root, long events, TextWriter output)
    {
        var lines = AuditLogCorpus.Ensure(root, events, output);
        var array = Path.Combine(Path.GetDirectoryName(lines)!, "audit-log.array.json");
        WriteArray(lines, array);
        output.WriteLine($"suite: json-array ({events:N0} GitHub audit-log entries; {new FileInfo(lines).Length / 1e6:N1} MB as JSON Lines, {new FileInfo(array).Length / 1e6:N1} MB as one array)");
        output.WriteLine($"{"stage",-34} {"events",10} {"wall s",8} {"CPU s",8} {"allocated MB",13} {"peak heap MB",13}");

        // A warm-up pass of each reader, so the JIT's work is not counted in the first stage.
        await ReadAsync(lines);
        await ReadAsync(array);

        var baseline = await MeasureAsync("(a) JSON Lines, streamed", () => ReadAsync(lines), output);
        var streamed = await MeasureAsync("(b) one array, element by element", () => ReadAsync(array), output);
        var whole = await MeasureAsync("(c) one array read whole (before)", () => Task.FromResult(ReadWhole(array)), output);

        output.WriteLine(
            $"peak heap: streamed array {streamed.PeakMb:N1} MB (JSON Lines {baseline.PeakMb:N1} MB, whole array {whole.PeakMb:N1} MB); " +
            $"CPU: streamed array {streamed.Cpu / baseline.Cpu:N2}x JSON Lines, whole array {whole.Cpu / baseline.Cpu:N2}x");
        if (streamed.Events != baseline.Events || whole.Events != baseline.Events)
        {
            output.WriteLine($"MISMATCH: {baseline.Events:N0} / {streamed.Events:N0} / {whole.Events:N0} events");
            return 1;
        }

        return 0;
    }

    private static async Task<(long Events, double Cpu, double PeakMb)> MeasureAsync(string name, Func<Task<long>> run, TextWriter output)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var peak = GC.GetTotalMemory(forceFullCollection: false);
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                try
                {
                    await Task.Delay(5, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
        var clock = Stopwatch.StartNew();
        var count = await run();
        clock.Stop();
        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
        await stop.CancelAsync();
        await sampler;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        var allocatedMb = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6;
        output.WriteLine($"{name,-34} {count,10:N0} {clock.Elapsed.TotalSeconds,8:N2} {cpuSeconds,8:N2} {allocatedMb,13:N1} {peak / 1e6,13:N1}");
        return (count, cpuSeconds, peak / 1e6);
    }

    /// <summary>The events of a file as <c>ingest</c> reads it (every format), counted and dropped as they come.</summary>
    private static async Task<long> ReadAsync(string path)
    {
        var problems = new ProblemLog();
        var count = 0L;
        await foreach (var block in new JsonFileSource(path, PayloadFormats.All).ReadBlocksAsync(new SourceContext(problems), CancellationToken.None))
        {
            count += block.Length;
        }

        return count;
    }

    /// <summary>The reader before it streamed: the whole file in one buffer, one <see cref="JsonDocument"/>, each element read by the first format that recognizes it.</summary>
    private static long ReadWhole(string path)
    {
        var events = new List<Event>();
        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
        var origin = new Origin(path, null);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            PayloadFormats.All.FirstOrDefault(f => f.Recognizes(element))?.Read(element, new PayloadContext(origin, events));
        }

        return events.Count;
    }

    /// <summary>The entries of a JSON Lines file as one array, one element a line, as an export writes them.</summary>
    private static void WriteArray(string lines, string array)
    {
        if (File.Exists(array) && File.GetLastWriteTimeUtc(array) > File.GetLastWriteTimeUtc(lines)) return;
        using var reader = new StreamReader(lines);
        using var writer = new StreamWriter(array);
        writer.Write("[\n");
        var first = true;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            if (!first) writer.Write(",\n");
            writer.Write(line);
            first = false;
        }

        writer.Write("\n]\n");
    }
}
