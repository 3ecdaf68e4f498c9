using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.Intake;

/// <summary>
/// A JSON document that is one big array (an audit-log export) is read element by element, so memory is bounded by the largest
/// element, not the file; an element over the bound, an invalid one or a cut end costs only itself.
/// </summary>
public sealed class JsonArrayStreamingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_large_audit_log_export_yields_the_same_events_as_the_whole_document_read_at_once()
    {
        var path = _temp.File("export.json");
        var entries = WriteExport(path, copies: 5_000);

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.True(new FileInfo(path).Length > 8L << 20, $"the export is {new FileInfo(path).Length:N0} bytes");
        var expected = WholeDocumentEvents(File.ReadAllBytes(path), path);
        Assert.Equal(entries, expected.Count);
        Assert.Equal(expected.Select(Json), events.Select(Json));
    }

    [Fact]
    public async Task An_export_larger_than_the_heap_is_ingested_within_a_256_mib_heap()
    {
        // 300 entries of 1 MiB each: before, the whole 300 MB array was read into one buffer and parsed as one document.
        var padding = new string('x', 1 << 20);
        using (var file = new StreamWriter(_temp.File("export.json")))
        {
            file.Write("[\n");
            for (var i = 0; i < 300; i++)
            {
                if (i > 0) file.Write(",\n");
                file.Write($$"""{"@timestamp": {{1698579600000 + (i * 1000L)}}, "_document_id": "doc-{{i}}", "action": "git.clone", "actor": "ci-bot", "org": "acme", "repo": "acme/api", "note": "{{padding}}"}""");
            }

            file.Write("\n]\n");
        }

        var result = await CliProcess.RunAsync(
            _temp.Path, new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" }, null, TimeSpan.FromMinutes(6), "ingest", "export.json", "--store", "store.db");

        Assert.True(result.ExitCode is 0 or 1, result.Error);
        Assert.Contains("ingested 1 file: 300 events (0 seen before)", result.Error, StringComparison.Ordinal);
        Assert.Contains(", 0 problems", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_element_over_32_mib_is_reported_by_its_index_and_the_elements_after_it_are_read()
    {
        var path = _temp.File("export.json");
        using (var file = new StreamWriter(path))
        {
            file.Write($"[{Entry(1)},\n");
            file.Write("{\"action\": \"git.clone\", \"actor\": \"x\", \"note\": \"");
            for (var i = 0; i < 33; i++) file.Write(new string('A', 1 << 20));
            file.Write("\\\"}]\"},\n");
            file.Write($"{Entry(3)}]");
        }

        var (events, problems) = await ReadAsync(path);

        Assert.Equal(["github:audit:doc-1", "github:audit:doc-3"], events.Select(e => e.Id));
        Assert.Equal([new Problem(path, "element 2: larger than 32 MiB; skipped")], problems);
    }

    [Fact]
    public async Task An_invalid_element_is_reported_with_its_line_and_the_elements_after_it_are_read()
    {
        var path = Write("export.json", $"[\n{Entry(1)},\n{{\"action\": \"git.clone\", \"actor\": tru}},\n{Entry(3)}\n]\n");

        var (events, problems) = await ReadAsync(path);

        Assert.Equal(["github:audit:doc-1", "github:audit:doc-3"], events.Select(e => e.Id));
        var problem = Assert.Single(problems);
        Assert.Equal((path, 3), (problem.File, problem.Line));
        Assert.StartsWith("element 2: invalid JSON: ", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cut_export_keeps_the_elements_before_the_cut()
    {
        var whole = $"[\n{Entry(1)},\n{Entry(2)},\n{Entry(3)}\n]\n";
        var path = Write("export.json", whole[..(whole.IndexOf("doc-3", StringComparison.Ordinal) + 3)]);

        var (events, problems) = await ReadAsync(path);

        Assert.Equal(["github:audit:doc-1", "github:audit:doc-2"], events.Select(e => e.Id));
        var problem = Assert.Single(problems);
        Assert.StartsWith("element 3: invalid JSON: truncated", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_after_the_array_is_a_problem_after_its_elements()
    {
        var path = Write("export.json", $"[{Entry(1)}] {{\"more\": 1}}");

        var (events, problems) = await ReadAsync(path);

        Assert.Equal(["github:audit:doc-1"], events.Select(e => e.Id));
        var problem = Assert.Single(problems);
        Assert.Contains("invalid JSON", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_jobs_list_of_32_mib_or_more_is_read_job_by_job()
    {
        var job = JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json")))!["workflow_job"]!;
        var path = _temp.File("jobs.json");
        var count = 0;
        using (var file = new StreamWriter(path))
        {
            file.Write("{\"total_count\": 0, \"jobs\": [");
            for (; file.BaseStream.Position < 34L << 20; count++)
            {
                job["id"] = 1000 + count;
                if (count > 0) file.Write(",\n");
                file.Write(job.ToJsonString());
                file.Flush();
            }

            file.Write("], \"after\": {\"x\": [1, 2]}}");
        }

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal(count, events.Count);
        Assert.Equal(Enumerable.Range(1000, count).Select(id => $"github:job:{id}:1:completed"), events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal("github.jobs", e.Dataset));
    }

    [Fact]
    public async Task An_object_of_32_mib_or_more_without_a_jobs_list_is_a_problem()
    {
        var path = _temp.File("big.json");
        using (var file = new StreamWriter(path))
        {
            file.Write("{\"action\": \"git.clone\"");
            for (var i = 0; i < 33 * 1024; i++) file.Write($",\"p{i}\": [\"{new string('p', 1020)}\"]");
            file.Write("}");
        }

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        Assert.Equal([new Problem(path, "a JSON object of 32 MiB or more without the 'jobs' list of github-jobs-list; skipped")], problems);
    }

    [Fact]
    public async Task An_object_with_a_value_of_32_mib_or_more_outside_a_list_is_a_problem()
    {
        var path = _temp.File("big.json");
        using (var file = new StreamWriter(path))
        {
            file.Write("{\"action\": \"git.clone\", \"padding\": [");
            for (var i = 0; i < 33 * 1024; i++) file.Write((i == 0 ? "\"" : ",\"") + new string('p', 1020) + "\"");
            file.Write("]}");
        }

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        Assert.Equal([new Problem(path, "github-jobs-list: a value outside the list larger than 32 MiB; the rest is not read")], problems);
    }

    /// <summary>The events as the reader made them before it streamed: the whole array parsed at once, each element read by the first format that recognizes it.</summary>
    private static List<Event> WholeDocumentEvents(byte[] json, string path)
    {
        var events = new List<Event>();
        using var document = JsonDocument.Parse(json);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            var format = PayloadFormats.All.First(f => f.Recognizes(element));
            format.Read(element, new PayloadContext(new Origin(path, null), events));
        }

        return events;
    }

    private static string Json(Event e) => JsonSerializer.Serialize(e);

    /// <summary>The GitHub enterprise audit-log export fixture (a pretty-printed array), its entries repeated with new document ids; returns their count.</summary>
    private static int WriteExport(string path, int copies)
    {
        var entries = JsonNode.Parse(File.ReadAllText(Fixture("GitHub", "audit-enterprise-export.json")))!.AsArray();
        var count = 0;
        using var file = new StreamWriter(path, false, new UTF8Encoding(false));
        file.Write("[\n");
        var options = new JsonSerializerOptions { WriteIndented = true };
        for (var copy = 0; copy < copies; copy++)
        {
            foreach (var entry in entries)
            {
                var item = entry!.DeepClone().AsObject();
                item["_document_id"] = $"doc-{copy}-{count}";
                if (count++ > 0) file.Write(",\n");
                file.Write(item.ToJsonString(options));
            }
        }

        file.Write("\n]\n");
        return count;
    }

    private static string Entry(int i) =>
        $$"""{"@timestamp": {{1698579600000 + (i * 1000L)}}, "_document_id": "doc-{{i}}", "action": "git.clone", "actor": "ci-bot", "org": "acme", "repo": "acme/api"}""";

    private string Write(string name, string text)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, text);
        return path;
    }
}
