using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.GitHub;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitHub;

public sealed class GitHubAuditLogReaderTests
{
    private static readonly Origin Origin = new("audit.jsonl", 3);

    /// <summary>Every entry of the audit fixtures and every event of the Panther tests (audit-shaped or not), compacted on one line.</summary>
    public static TheoryData<string> Entries { get; } = new(AllEntries().Distinct(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Entries))]
    public void Every_corpus_entry_reads_to_the_same_event_as_the_document_path_or_is_left_to_it(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = Document(bytes, out var recognized);

        var result = Fast(bytes, out var actual);

        if (!recognized)
        {
            Assert.NotEqual(Utf8ReadResult.Read, result);
            return;
        }

        // Only the older exports' 'data' object is left to the document path.
        Assert.True(result == Utf8ReadResult.Read || (result == Utf8ReadResult.Invalid && json.Contains("\"data\":", StringComparison.Ordinal)), json);
        if (result == Utf8ReadResult.Read) AssertSameEvent(expected!, actual!);
    }

    [Fact]
    public void The_corpus_has_entries_of_both_kinds()
    {
        var recognized = AllEntries().Count(json => Document(Encoding.UTF8.GetBytes(json), out var yes) is not null && yes);

        Assert.InRange(recognized, 100, 200);
    }

    [Fact]
    public void No_corpus_document_the_audit_format_recognizes_is_recognized_by_another_format()
    {
        // The audit format is tried second (for its fast reader); this shows that moving it ahead changed no document's format.
        var audit = new GitHubAuditLogFormat();
        var files = Directory.GetFiles(Corpus.File("github-webhooks"), "*.json", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Corpus.File("gitlab-webhooks"), "*.json", SearchOption.AllDirectories))
            .Select(File.ReadAllText)
            .Concat(AllEntries());
        var checkedCount = 0;
        foreach (var json in files)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) continue;
            var others = PayloadFormats.All.Where(f => f.Id != audit.Id && f.Recognizes(root)).Select(f => f.Id).ToList();
            if (audit.Recognizes(root)) Assert.True(others.Count == 0, $"{string.Join(", ", others)}: {json[..Math.Min(200, json.Length)]}");
            checkedCount++;
        }

        Assert.True(checkedCount > 250, $"{checkedCount} documents");
    }

    [Theory]
    [InlineData("""{"action":"repo.create","actor":"a","actor":"b","repo":"r","repo":5,"org":["","x","y"],"created_at":"2024-01-02 03:04:05.123456789"}""")]
    [InlineData("""{"action":"repo.create","action":"user.login","actor":{"login":"x"},"org":{"a":1},"@timestamp":"1698579600000","actor_location":{"ip":"1.2.3.4","country_code":"de"},"actor_location":{"country_code":"fr"}}""")]
    [InlineData("""{"action":"workflows.completed_workflow_run","actor":"a","name":"CI","workflow_run_id":42,"run_attempt":"3","head_branch":["main"],"head_sha":true,"org":"o","repo":"short"}""")]
    [InlineData("""{"action":"workflows.x","_document_id":"","run_attempt":2.7,"name":null,"tags":["a",1,true,null,{"x":1},["y"],""],"empty":[],"obj":{"a":"b"},"n":-1.5e3,"f":false,"s":""}""")]
    [InlineData("""{"action":"hook.create","actor":"cat","config":{"url":"https://fake.url","url":"https://later"},"config":{"content_type":"json"},"public_repo":false}""")]
    [InlineData("""{"action":"hook.create","actor":"cat","config.url":"first","config":{"url":"second"}}""")]
    [InlineData("""{"action":"org.update","actor":"cat","p_event_time":"2023-01-31 18:58:27.638","p_log_type":"GitHub.Audit","created_at":"not a time"}""")]
    [InlineData("""{"action":"org.update","actor":"cat","@timestamp":-5,"at_sign_timestamp":"2023-01-31T18:58:27+02:00","created_at":1e30}""")]
    [InlineData("""{"action":"org.update","actor":"cat","created_at":"2023-01-31T18:58:27Z","user_agent":"  ","actor_ip":"","actor_location":{"ip":"9.9.9.9"}}""")]
    [InlineData("""{"action":"org.update","actor":"c\u00e4t \"q\"","created_at":"2023-01-31T18:58:27\u005a","workflow_job":"x","workflow_run":{"id":1},"workflow_run":null}""")]
    [InlineData("""{"action":"user.failed_login","actor":"cat","created_at":1583364382722,"user_login":"dog"}  """ + "\r")]
    [InlineData("""  {"action":"org.update","actor":"cat"}""")]
    public void Odd_but_valid_entries_read_to_the_same_event(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = Document(bytes, out var recognized);
        Assert.True(recognized);

        Assert.Equal(Utf8ReadResult.Read, Fast(bytes, out var actual));
        AssertSameEvent(expected!, actual!);
    }

    [Theory]
    [InlineData("""{"action":"created","actor":"a","created_at":1}""")]
    [InlineData("""{"action":"repo.create"}""")]
    [InlineData("""{"action":"repo.create","at_sign_timestamp":1}""")]
    [InlineData("""{"action":5.5,"actor":"a"}""")]
    [InlineData("""{"action":"repo.create","actor":"a","workflow_job":{}}""")]
    [InlineData("""{"action":"repo.create","actor":"a","workflow_run":{"id":1}}""")]
    [InlineData("""{"action":"repo.create","action":"created","actor":"a"}""")]
    [InlineData("""[{"action":"repo.create","actor":"a"}]""")]
    [InlineData("42")]
    public void Valid_json_the_format_does_not_recognize_is_not_this_format(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Document(bytes, out var recognized);
        Assert.False(recognized);

        Assert.Equal(Utf8ReadResult.NotThisFormat, Fast(bytes, out var e));
        Assert.Null(e);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"action":"repo.create","actor":"a",}""")]
    [InlineData("""{"action":"repo.create","actor":"a"} {}""")]
    [InlineData("""{"action":"repo.create","actor":"a" /* c */}""")]
    [InlineData("""{"action":"repo.create","actor":"\x"}""")]
    [InlineData("""{"action":"repo.create","actor":"a","data":{"workflow_run_id":1}}""")]
    [InlineData("""{"action":"repo.create","\u0061ctor":"a"}""")]
    [InlineData("""{"action":"repo.create","actor":"a","actor_location":{"country\u005fcode":"de"}}""")]
    public void Malformed_json_and_shapes_left_to_the_document_path_are_invalid(string json)
    {
        Assert.Equal(Utf8ReadResult.Invalid, Fast(Encoding.UTF8.GetBytes(json), out var e));
        Assert.Null(e);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_in_a_value_are_left_to_the_document_path()
    {
        byte[] json = [.. """{"action":"repo.create","actor":"a"""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.Equal(Utf8ReadResult.Invalid, Fast(json, out var e));
        Assert.Null(e);
    }

    [Fact]
    public void Workflow_job_reader_excludes_documents_without_the_name_only()
    {
        var reader = new GitHubWorkflowJobReader();

        Assert.True(reader.Excludes("""{"action":"workflows.approve_workflow_job","actor":"a"}"""u8));
        Assert.False(reader.Excludes("""{"action":"queued","workflow_job":{}}"""u8));
        Assert.False(reader.Excludes("""{"action":"queued","workflow\u005fjob":{}}"""u8));
    }

    private static IEnumerable<string> AllEntries()
    {
        var lines = new[] { "audit-organization.jsonl", "audit-enterprise-stream.jsonl" }
            .SelectMany(f => File.ReadAllLines(Fixture("GitHub", f)))
            .Where(l => !string.IsNullOrWhiteSpace(l));
        var export = JsonNode.Parse(File.ReadAllText(Fixture("GitHub", "audit-enterprise-export.json")))!.AsArray().Select(n => n!.ToJsonString());
        var panther = Directory.GetFiles(Corpus.File("github-audit", "panther-tests"), "*.json").Order(StringComparer.Ordinal)
            .SelectMany(f => JsonNode.Parse(File.ReadAllText(f))!["tests"]!.AsArray().Select(t => t!["event"]!.ToJsonString()));
        return lines.Concat(export).Concat(panther);
    }

    private static Utf8ReadResult Fast(byte[] json, out Event? e) => new GitHubAuditLogReader().TryRead(json, Origin, out e);

    /// <summary>The document path as <c>ingest</c> takes it: the first format of the list that recognizes the document, when it is the audit format.</summary>
    private static Event? Document(byte[] json, out bool recognized)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        var root = document.RootElement;
        var format = root.ValueKind == JsonValueKind.Object ? PayloadFormats.All.FirstOrDefault(f => f.Recognizes(root)) : null;
        recognized = format is GitHubAuditLogFormat;
        if (!recognized) return null;
        var events = new List<Event>();
        var context = new PayloadContext(Origin, events);
        format!.Read(root, context);
        Assert.Null(context.Rejection);
        return Assert.Single(events);
    }

    private static void AssertSameEvent(Event expected, Event actual)
    {
        Assert.Equal(expected.Fields.ToList(), actual.Fields.ToList());
        Assert.Equal(expected.Timestamp.Offset, actual.Timestamp.Offset);
        // Record equality covers every other property; Fields compares by reference there, so it is set aside.
        Assert.Equal(expected with { Fields = actual.Fields }, actual);
    }
}
