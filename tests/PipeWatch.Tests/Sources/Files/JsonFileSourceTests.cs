using System.Text;
using System.Text.Json.Nodes;
using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Sources.GitHub;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.Files;

public sealed class JsonFileSourceTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Pretty_printed_document_yields_its_event_without_a_line()
    {
        var path = Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal("github:job:289782451:1:completed", job.Id);
        Assert.Equal(new Origin(path, null), job.Origin);
    }

    [Fact]
    public async Task Array_of_documents_yields_one_event_per_element()
    {
        var path = Write("array.json", $"[{Compact("workflow_job", "completed.success.with-organization.payload.json")},\n{Compact("workflow_run", "completed.payload.json")}]");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal(["github:job:289782451:1:completed", "github:run:289782451:1:completed"], events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal(new Origin(path, null), e.Origin));
    }

    [Fact]
    public async Task Element_of_an_array_that_no_format_recognizes_is_reported_by_its_index()
    {
        var path = Write("array.json", $"[{Compact("workflow_run", "completed.payload.json")}, {{\"hello\": 1}}]");

        var (events, problems) = await ReadAsync(path);

        Assert.Single(events);
        Assert.Equal([new Problem(path, "element 2: not a supported payload: no known format recognizes it (see 'pipewatch ingest --help' for --source)")], problems);
    }

    [Fact]
    public async Task Json_lines_yield_each_event_with_its_line_number()
    {
        var path = Write("events.jsonl", string.Join('\n',
            Compact("workflow_job", "in_progress.payload.json"),
            Compact("workflow_job", "completed.success.with-organization.payload.json"),
            Compact("workflow_run", "completed.payload.json")) + "\n");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal(
            [
                ("github:job:289782451:1:in_progress", 1),
                ("github:job:289782451:1:completed", 2),
                ("github:run:289782451:1:completed", 3),
            ],
            events.Select(e => (e.Id, e.Origin.Line ?? 0)));
        Assert.All(events, e => Assert.Equal(path, e.Origin.File));
    }

    [Fact]
    public async Task Blank_lines_in_json_lines_are_skipped_but_counted()
    {
        var path = Write("events.jsonl",
            Compact("workflow_job", "in_progress.payload.json") + "\n\n   \r\n" + Compact("workflow_run", "completed.payload.json") + "\r\n\n");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal([1, 4], events.Select(e => e.Origin.Line ?? 0));
    }

    [Fact]
    public async Task Last_line_without_a_newline_is_read()
    {
        var path = Write("events.jsonl", Compact("workflow_job", "in_progress.payload.json") + "\n" + Compact("workflow_run", "completed.payload.json"));

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal([1, 2], events.Select(e => e.Origin.Line ?? 0));
    }

    [Fact]
    public async Task Broken_line_is_reported_with_its_number_and_the_other_lines_still_read()
    {
        var path = Write("events.jsonl", string.Join('\n',
            Compact("workflow_job", "in_progress.payload.json"),
            Compact("workflow_job", "completed.success.with-organization.payload.json"),
            """{"workflow_job": {"id": 1, "status": """,
            Compact("workflow_run", "completed.payload.json")) + "\n");

        var (events, problems) = await ReadAsync(path);

        Assert.Equal([1, 2, 4], events.Select(e => e.Origin.Line ?? 0));
        var problem = Assert.Single(problems);
        Assert.Equal((path, 3), (problem.File, problem.Line ?? 0));
        Assert.StartsWith("invalid JSON: ", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_cut_in_the_middle_is_one_truncated_problem_and_no_events()
    {
        var text = File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json"));
        var path = Write("cut.json", text[..(text.Length / 2)]);

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.File);
        Assert.Contains("truncated", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_missing_its_last_brace_is_reported_as_truncated()
    {
        var text = File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json")).TrimEnd();
        var path = Write("cut.json", text[..^1]);

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        Assert.Contains("truncated", Assert.Single(problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_file_is_reported_as_empty()
    {
        var path = Write("empty.json", "");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        Assert.Equal([new Problem(path, "file is empty")], problems);
    }

    [Fact]
    public async Task Whitespace_only_file_is_reported_as_empty()
    {
        var path = Write("blank.json", " \n\t\r\n");

        var (_, problems) = await ReadAsync(path);

        Assert.Equal([new Problem(path, "file is empty")], problems);
    }

    [Fact]
    public async Task Binary_file_is_reported_as_binary()
    {
        var path = _temp.File("image.json");
        File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]);

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        Assert.Equal([new Problem(path, "binary file, not JSON (contains NUL bytes)")], problems);
    }

    [Fact]
    public async Task Text_that_is_not_json_is_reported()
    {
        var path = Write("notes.json", "name: CI\non: push\n");

        var (_, problems) = await ReadAsync(path);

        Assert.Equal([new Problem(path, "not JSON: the first character is neither '{' nor '['")], problems);
    }

    [Fact]
    public async Task Check_run_payload_is_named_as_a_github_check_run_webhook()
    {
        var path = Corpus.File("github-webhooks", "check_run", "completed.payload.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        Assert.Equal([new Problem(path, "not a supported payload: a GitHub 'check_run' webhook ('pipewatch ingest --help' lists the formats it reads)")], problems);
    }

    [Fact]
    public async Task Forced_format_reads_a_document_no_format_recognizes()
    {
        // A jobs list without total_count: not recognized, but readable when the format is forced.
        var path = Write("jobs.json", $"{{\"jobs\": [{CompactJob("completed.success.with-organization.payload.json")}]}}");

        var (unforced, unforcedProblems) = await ReadAsync(path);
        var (events, problems) = await ReadForcedAsync(path, new GitHubJobsListFormat());

        Assert.Empty(unforced);
        Assert.Single(unforcedProblems);
        Assert.Empty(problems);
        var job = Assert.Single(events);
        Assert.Equal(("github.jobs", "octo-org/octo-repo"), (job.Dataset, job.Ci.Repository));
    }

    [Fact]
    public async Task Forced_format_that_does_not_fit_the_document_is_a_problem_not_an_exception()
    {
        var path = Corpus.File("github-webhooks", "workflow_run", "completed.payload.json");

        var (events, problems) = await ReadForcedAsync(path, new GitHubWorkflowJobFormat());

        Assert.Empty(events);
        Assert.StartsWith("github-workflow-job: ", Assert.Single(problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_jobs_list_yields_one_event_per_job_with_the_repository_from_run_url()
    {
        var second = JsonNode.Parse(CompactJob("completed.failure.with-organization.payload.json"))!;
        second["id"] = 289782452;
        var path = Write("jobs.json", $"{{\"total_count\": 2, \"jobs\": [{CompactJob("completed.success.with-organization.payload.json")}, {second.ToJsonString()}]}}");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal(
            [
                ("github:job:289782451:1:completed", Outcome.Success),
                ("github:job:289782452:1:completed", Outcome.Failure),
            ],
            events.Select(e => (e.Id, e.Outcome)));
        Assert.All(events, e =>
        {
            Assert.Equal("octo-org/octo-repo", e.Ci.Repository);
            Assert.Equal("github.jobs", e.Dataset);
            Assert.Null(e.UserName);
        });
        Assert.Equal(8, events[0].Steps.Count);
        Assert.Equal(12, events[1].Steps.Count);
    }

    [Fact]
    public async Task Json_lines_with_a_first_line_longer_than_64_kib_are_read_line_by_line()
    {
        var big = JsonNode.Parse(Compact("workflow_job", "completed.success.with-organization.payload.json"))!;
        big["padding"] = new string('x', 70_000);
        var path = Write("events.jsonl", big.ToJsonString() + "\n" + Compact("workflow_run", "completed.payload.json") + "\n");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal([1, 2], events.Select(e => e.Origin.Line ?? 0));
    }

    [Fact]
    public async Task Document_with_a_utf8_byte_order_mark_is_read()
    {
        var path = _temp.File("bom.json");
        File.WriteAllText(path, Compact("workflow_run", "completed.payload.json"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Single(events);
    }

    [Fact]
    public async Task Missing_file_is_reported_as_a_problem()
    {
        var path = _temp.File("missing.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        var problem = Assert.Single(problems);
        Assert.Equal(path, problem.File);
        Assert.StartsWith("cannot open: ", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_lines_and_a_single_document_are_read_by_the_fast_reader()
    {
        var lines = Write("events.jsonl", string.Join('\n',
            Compact("workflow_job", "in_progress.payload.json"),
            Compact("workflow_run", "completed.payload.json"),
            Compact("workflow_job", "completed.success.with-organization.payload.json")) + "\n");
        var document = Corpus.File("github-webhooks", "workflow_job", "completed.failure.with-organization.payload.json");
        var reader = new CountingReader();

        var (fromLines, linesProblems) = await ReadWithAsync(lines, [reader]);
        var linesReads = reader.Reads;
        var (fromDocument, documentProblems) = await ReadWithAsync(document, [reader]);

        Assert.Empty(linesProblems.Concat(documentProblems));
        Assert.Equal(3, fromLines.Count);
        Assert.Equal(2, linesReads);
        Assert.Single(fromDocument);
        Assert.Equal(3, reader.Reads);
    }

    [Fact]
    public async Task Fast_readers_give_the_same_events_and_problems_as_the_document_path()
    {
        var folder = Corpus.File("github-webhooks", "workflow_job");
        var good = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).Select(f => JsonNode.Parse(File.ReadAllText(f))!.ToJsonString());
        var path = Write("mixed.jsonl", string.Join('\n', good.Concat(
        [
            """{"workflow_job": {"id": 1, "status": """,
            """{"action": "queued", "workflow_job": {"id": "abc"}}""",
            """{"workflow_job": {"id": 1, "started_at": "2021-01-01T00:00:00Z"}}""",
            """{"hello": 1}""",
            Compact("workflow_run", "completed.payload.json"),
        ])) + "\n");

        var (fast, fastProblems) = await ReadWithAsync(path, null);
        var (slow, slowProblems) = await ReadWithAsync(path, []);

        Assert.Equal(12, fast.Count + fastProblems.Count);
        Assert.Equal(slowProblems, fastProblems);
        Assert.Equal(slow.Count, fast.Count);
        for (var i = 0; i < slow.Count; i++)
        {
            Assert.Equal(slow[i].Steps, fast[i].Steps);
            Assert.Equal(slow[i], fast[i] with { Steps = slow[i].Steps });
        }
    }

    [Fact]
    public async Task Forced_format_skips_the_fast_reader()
    {
        var reader = new CountingReader();
        var path = Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json");
        var problems = new ProblemLog();
        var source = new JsonFileSource(path, PayloadFormats.All, new GitHubWorkflowJobFormat(), [reader]);

        var events = new List<Event>();
        await foreach (var e in source.ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        Assert.Single(events);
        Assert.Equal(0, reader.Reads);
    }

    public void Dispose() => _temp.Dispose();

    private static async Task<(List<Event> Events, IReadOnlyList<Problem> Problems)> ReadWithAsync(string path, IReadOnlyList<IUtf8PayloadReader>? readers)
    {
        var problems = new ProblemLog();
        var events = new List<Event>();
        var source = new JsonFileSource(path, PayloadFormats.All, readers: readers);
        await foreach (var e in source.ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        return (events, problems.Problems);
    }

    [Fact]
    public async Task Small_json_lines_come_in_blocks_of_at_most_128_events_so_that_few_wait_in_memory()
    {
        // 5,000 audit entries of ~300 bytes: one 1 MiB read holds them all, and still no block is larger than 128.
        var lines = Enumerable.Range(1, 5_000).Select(n =>
            $$"""{"@timestamp":{{1772409600000L + (n * 1000L)}},"_document_id":"doc-{{n}}","action":"repo.download_zip","actor":"dev-{{n % 40}}","actor_location":{"country_code":"DE"},"org":"acme","repo":"acme/api","operation_type":"access"}""");
        var path = Write("audit.jsonl", string.Join("\n", lines) + "\n");
        var problems = new ProblemLog();

        var blocks = new List<Event[]>();
        await foreach (var block in new JsonFileSource(path, PayloadFormats.All).ReadBlocksAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
            blocks.Add(block);
        }

        Assert.Empty(problems.Problems);
        Assert.All(blocks, b => Assert.InRange(b.Length, 1, 128));
        Assert.Equal(40, blocks.Count);
        Assert.Equal(Enumerable.Range(1, 5_000).Select(n => (int?)n), blocks.SelectMany(b => b).Select(e => e.Origin.Line));
    }

    [Fact]
    public async Task Json_lines_come_in_blocks_of_a_read_each_with_every_event_once_in_line_order()
    {
        // About 3 MiB of lines: several 1 MiB reads, so several blocks, and lines cut by a read's end.
        var line = Compact("workflow_job", "completed.success.with-organization.payload.json");
        var count = (3 << 20) / line.Length;
        var path = Write("many.jsonl", string.Concat(Enumerable.Repeat(line + "\n", count)));
        var problems = new ProblemLog();

        var blocks = new List<Event[]>();
        await foreach (var block in new JsonFileSource(path, PayloadFormats.All).ReadBlocksAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
            blocks.Add(block);
        }

        Assert.Empty(problems.Problems);
        Assert.InRange(blocks.Count, 3, 4);
        Assert.All(blocks, b => Assert.NotEmpty(b));
        Assert.Equal(Enumerable.Range(1, count).Select(n => (int?)n), blocks.SelectMany(b => b).Select(e => e.Origin.Line));
    }

    private static async Task<(IReadOnlyList<Event> Events, IReadOnlyList<Problem> Problems)> ReadForcedAsync(string path, IPayloadFormat forced)
    {
        var problems = new ProblemLog();
        var events = new List<Event>();
        var source = new JsonFileSource(path, PayloadFormats.All, forced);
        await foreach (var e in source.ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        return (events, problems.Problems);
    }

    private static string Compact(string folder, string file) =>
        JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", folder, file)))!.ToJsonString();

    private static string CompactJob(string file) =>
        JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", file)))!["workflow_job"]!.ToJsonString();

    private string Write(string name, string text)
    {
        var path = _temp.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The real fast reader, counting the documents it read.</summary>
    private sealed class CountingReader : IUtf8PayloadReader
    {
        private readonly GitHubWorkflowJobReader _inner = new();

        public int Reads { get; private set; }

        public string FormatId => _inner.FormatId;

        public Utf8ReadResult TryRead(ReadOnlySpan<byte> json, Origin origin, out Event? e)
        {
            var result = _inner.TryRead(json, origin, out e);
            if (result == Utf8ReadResult.Read) Reads++;
            return result;
        }
    }
}
