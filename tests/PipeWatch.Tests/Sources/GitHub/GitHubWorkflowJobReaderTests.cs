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

public sealed class GitHubWorkflowJobReaderTests
{
    private const string Success = "completed.success.with-organization.payload.json";

    private static readonly Origin Origin = new("payload.json", 7);
    private static readonly StepRecord[] NoSteps = [];

    public static TheoryData<string> CorpusFiles { get; } =
        new(Directory.GetFiles(Corpus.File("github-webhooks", "workflow_job"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_payload_reads_to_the_same_event_as_the_document_path(string file)
    {
        var json = File.ReadAllBytes(Corpus.File("github-webhooks", "workflow_job", file));

        AssertSameAsDocumentPath(json);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_payload_compacted_on_one_line_reads_to_the_same_event(string file)
    {
        AssertSameAsDocumentPath(Encoding.UTF8.GetBytes(Load(file).ToJsonString() + "\r\n"));
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Properties_in_another_order_read_to_the_same_event(string file)
    {
        var payload = Load(file);
        var reordered = new JsonObject();
        foreach (var name in new[] { "repository", "sender", "workflow_job" }.Concat(payload.Select(p => p.Key)).Where(n => n != "action").Distinct())
        {
            if (payload[name] is { } value) reordered[name] = value.DeepClone();
        }

        reordered["action"] = payload["action"]!.DeepClone();
        var job = reordered["workflow_job"]!.AsObject();
        var reversed = new JsonObject(job.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())).ToList());
        reordered["workflow_job"] = reversed;

        var e = AssertSameAsDocumentPath(Bytes(reordered));
        Assert.Equal(payload["action"]!.GetValue<string>(), e.Action);
    }

    [Fact]
    public void Escaped_characters_in_values_and_names_are_read_as_the_document_path_reads_them()
    {
        var text = Load(Success).ToJsonString()
            .Replace("\"name\":\"linters\"", "\"name\":\"Run \\\"tests\\\" \\u00e9\"", StringComparison.Ordinal)
            .Replace("\"name\":\"Install Ruby\"", "\"name\":\"Install \\u0052uby \\ud83d\\ude80\"", StringComparison.Ordinal)
            .Replace("\"workflow_name\":", "\"workflow\\u005fname\":", StringComparison.Ordinal)
            .Replace("\"full_name\":", "\"full\\u005Fname\":", StringComparison.Ordinal)
            .Replace("\"workflow_job\":", "\"workflow\\u005fjob\":", StringComparison.Ordinal)
            // An escaped name inside a step: the document path matches step fields on their raw bytes.
            .Replace("\"number\":3", "\"n\\u0075mber\":3", StringComparison.Ordinal);

        var e = AssertSameAsDocumentPath(Encoding.UTF8.GetBytes(text));

        Assert.Equal("Run \"tests\" é", e.Ci.Job);
        Assert.Equal("Install Ruby 🚀", e.Steps[2].Name);
        Assert.Equal("CodeQL", e.Ci.Pipeline);
        Assert.Equal("Codertocat/Hello-World", e.Ci.Repository);
    }

    [Fact]
    public void Step_that_completes_before_it_starts_has_no_duration_on_either_path()
    {
        var payload = Load(Success);
        var step = payload["workflow_job"]!["steps"]![1]!;
        step["completed_at"] = "2021-08-05T10:00:00.000Z";

        var e = AssertSameAsDocumentPath(Bytes(payload));

        Assert.Null(e.Steps[1].Duration);
        Assert.Equal(Outcome.Success, e.Steps[1].Outcome);
    }

    [Fact]
    public void Steps_out_of_number_order_are_sorted_stably_as_the_document_path_sorts_them()
    {
        var payload = Load(Success);
        var steps = payload["workflow_job"]!["steps"]!.AsArray();
        steps[0]!["number"] = 9;
        steps[3]!["number"] = 2;
        steps[5]!.AsObject().Remove("number");
        steps.Add(42);
        steps.Add(new JsonObject { ["number"] = 1 });

        var e = AssertSameAsDocumentPath(Bytes(payload));

        Assert.Equal([2, 2, 3, 5, 6, 9, 12, 13], e.Steps.Select(s => s.Number));
        Assert.Equal(["Checkout Repo", "Run Rubocop", "Install Ruby", "Run Brakeman", "Run Bundle Audit", "Set up job"], e.Steps.Take(6).Select(s => s.Name));
    }

    [Theory]
    [InlineData("Z", "")]
    [InlineData("Z", "+02:00")]
    [InlineData("Z", "-05:30")]
    [InlineData("Z", " UTC")]
    public void Timestamps_in_other_zone_forms_read_to_the_same_times(string zone, string replacement)
    {
        var text = Load(Success).ToJsonString().Replace(zone + "\"", replacement + "\"", StringComparison.Ordinal);

        var e = AssertSameAsDocumentPath(Encoding.UTF8.GetBytes(text));

        var offset = replacement switch
        {
            "+02:00" => TimeSpan.FromHours(2),
            "-05:30" => -TimeSpan.FromHours(5.5),
            _ => TimeSpan.Zero,
        };
        Assert.Equal(Utc("2021-08-05T10:34:58Z") - offset, e.Start);
        Assert.Equal(offset, e.Start!.Value.Offset);
    }

    [Fact]
    public void Payload_without_a_workflow_job_object_is_not_this_format()
    {
        var payload = Load(Success);
        payload.Remove("workflow_job");

        Assert.Equal(Utf8ReadResult.NotThisFormat, Fast(Bytes(payload), out var e));
        Assert.Null(e);
    }

    [Theory]
    [InlineData("""{"workflow_job": "x", "action": "completed"}""")]
    [InlineData("""{"workflow_job": {"id": 1}, "workflow_job": null}""")]
    [InlineData("""{"workflow_run": {"id": 1}}""")]
    [InlineData("""[{"workflow_job": {"id": 1, "run_url": "https://api.github.com/repos/a/b/x", "started_at": "2021-01-01T00:00:00Z"}}]""")]
    [InlineData("""42""")]
    public void Valid_json_without_a_job_object_at_the_top_is_not_this_format(string json)
    {
        Assert.Equal(Utf8ReadResult.NotThisFormat, Fast(Encoding.UTF8.GetBytes(json), out var e));
        Assert.Null(e);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    public void Truncated_payload_is_invalid(int parts)
    {
        var json = Bytes(Load(Success));

        Assert.Equal(Utf8ReadResult.Invalid, Fast(json.AsSpan(0, json.Length * parts / (parts + 1)).ToArray(), out var e));
        Assert.Null(e);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("""{"workflow_job": {"id": 1,}}""")]
    [InlineData("""{"workflow_job": {}} {}""")]
    [InlineData("""{"workflow_job": {}} x""")]
    [InlineData("""{"workflow_job": {"id": 1} /* comment */}""")]
    [InlineData("""{"workflow_job": {"name": "\x"}}""")]
    public void Malformed_json_is_invalid(string json)
    {
        Assert.Equal(Utf8ReadResult.Invalid, Fast(Encoding.UTF8.GetBytes(json), out var e));
        Assert.Null(e);
    }

    [Theory]
    [InlineData("id", "\"abc\"", false)]
    [InlineData("id", "null", false)]
    [InlineData("id", "{\"a\": [1, 2]}", false)]
    [InlineData("id", "\"289782451\"", true)]
    [InlineData("id", "289782451.7", true)]
    [InlineData("id", "1e300", true)]
    [InlineData("steps", "\"x\"", true)]
    [InlineData("steps", "{\"0\": {}}", true)]
    [InlineData("steps", "[1, \"x\", null, [], {}, {\"name\": 5}, {\"name\": \"\"}]", true)]
    [InlineData("run_attempt", "\"2\"", true)]
    [InlineData("run_attempt", "2.9", true)]
    [InlineData("run_attempt", "[2]", true)]
    [InlineData("run_id", "true", true)]
    [InlineData("run_id", "1.50e3", true)]
    [InlineData("name", "{\"x\": \"y\"}", true)]
    [InlineData("status", "[\"completed\"]", true)]
    [InlineData("conclusion", "7", true)]
    [InlineData("completed_at", "5", true)]
    [InlineData("completed_at", "\"yesterday\"", true)]
    [InlineData("completed_at", "\"2021-08-05T10:38:16\"", true)]
    [InlineData("completed_at", "\"2021-08-05 10:38:16 +0200\"", true)]
    [InlineData("completed_at", "\"2021-08-05T10:38:16\\u005a\"", true)]
    public void Mistyped_job_field_reads_as_the_document_path_reads_it_or_is_invalid_never_throws(string field, string json, bool read)
    {
        var payload = Load(Success);
        payload["workflow_job"]![field] = JsonNode.Parse(json);

        if (read)
        {
            AssertSameAsDocumentPath(Bytes(payload));
        }
        else
        {
            Assert.Equal(Utf8ReadResult.Invalid, Fast(Bytes(payload), out var e));
            Assert.Null(e);
            Assert.Null(Document(Bytes(payload), out var rejection));
            Assert.NotNull(rejection);
        }
    }

    [Theory]
    [InlineData("repository", "5")]
    [InlineData("repository", "{\"full_name\": 12, \"full_name\": \"a/b\"}")]
    [InlineData("repository", "[\"a/b\"]")]
    [InlineData("sender", "{\"id\": 1}")]
    [InlineData("sender", "{\"login\": null}")]
    [InlineData("action", "{\"a\": 1}")]
    [InlineData("action", "false")]
    public void Mistyped_top_level_field_reads_as_the_document_path_reads_it(string field, string json)
    {
        var payload = Load(Success);
        payload[field] = JsonNode.Parse(json);

        AssertSameAsDocumentPath(Bytes(payload));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(300, false)]
    public void Deeply_nested_values_are_skipped_to_the_same_depth_limit_as_the_document_path(int depth, bool read)
    {
        var text = Load(Success).ToJsonString()
            .Replace("\"workflow_job\":{", $"\"workflow_job\":{{\"deep\":{new string('[', depth)}{new string(']', depth)},", StringComparison.Ordinal);

        if (read)
        {
            AssertSameAsDocumentPath(Encoding.UTF8.GetBytes(text));
        }
        else
        {
            Assert.Equal(Utf8ReadResult.Invalid, Fast(Encoding.UTF8.GetBytes(text), out _));
            Assert.ThrowsAny<JsonException>(() => Document(Encoding.UTF8.GetBytes(text), out _));
        }
    }

    [Fact]
    public void Job_without_repository_or_timestamps_is_invalid_so_the_document_path_rejects_it()
    {
        const string NoRepository = """{"action": "queued", "workflow_job": {"id": 1, "started_at": "2021-01-01T00:00:00Z"}}""";
        const string NoTimestamp = """{"action": "queued", "workflow_job": {"id": 1, "url": "https://api.github.com/repos/a/b/actions/jobs/1"}}""";

        foreach (var json in new[] { NoRepository, NoTimestamp })
        {
            Assert.Equal(Utf8ReadResult.Invalid, Fast(Encoding.UTF8.GetBytes(json), out _));
            Assert.Null(Document(Encoding.UTF8.GetBytes(json), out var rejection));
            Assert.NotNull(rejection);
        }
    }

    [Fact]
    public void Repeated_properties_read_the_last_one_as_the_document_path_does()
    {
        const string Json = """
            {"workflow_job": {"id": 5},
             "workflow_job": {"id": 1, "id": 2, "url": "https://api.github.com/repos/a/b/actions/jobs/1", "created_at": "2021-01-01T00:00:00Z",
                              "steps": [{"name": "x"}], "steps": [{"name": "y", "name": "z"}]},
             "action": "queued", "action": "waiting"}
            """;

        var e = AssertSameAsDocumentPath(Encoding.UTF8.GetBytes(Json));

        Assert.Equal(("github:job:2:1:", "waiting", "z"), (e.Id, e.Action, e.Steps.Single().Name));
    }

    /// <summary>Compares the fast reader with <see cref="GitHubWorkflowJobFormat"/> on the same bytes, every property and every step.</summary>
    private static Event AssertSameAsDocumentPath(byte[] json)
    {
        var expected = Document(json, out var rejection);
        Assert.Null(rejection);
        Assert.NotNull(expected);
        Assert.Equal(Utf8ReadResult.Read, Fast(json, out var actual));
        AssertSameEvent(expected, actual!);
        return actual!;
    }

    private static void AssertSameEvent(Event expected, Event actual)
    {
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.Timestamp.Offset, actual.Timestamp.Offset);
        Assert.Equal(expected.Dataset, actual.Dataset);
        Assert.Equal(expected.Action, actual.Action);
        Assert.Equal(expected.Outcome, actual.Outcome);
        Assert.Equal(expected.Completed, actual.Completed);
        Assert.Equal(expected.Ci, actual.Ci);
        Assert.Equal(expected.UserName, actual.UserName);
        Assert.Equal(expected.Start, actual.Start);
        Assert.Equal(expected.Start?.Offset, actual.Start?.Offset);
        Assert.Equal(expected.End, actual.End);
        Assert.Equal(expected.End?.Offset, actual.End?.Offset);
        Assert.Equal(expected.Duration, actual.Duration);
        Assert.Equal(expected.Url, actual.Url);
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.Steps.Count, actual.Steps.Count);
        for (var i = 0; i < expected.Steps.Count; i++)
        {
            Assert.Equal(expected.Steps[i], actual.Steps[i]);
        }

        // Record equality covers any property added later; Steps compares by reference there, so it is set aside.
        Assert.Equal(expected with { Steps = NoSteps }, actual with { Steps = NoSteps });
    }

    private static Utf8ReadResult Fast(byte[] json, out Event? e) => new GitHubWorkflowJobReader().TryRead(json, Origin, out e);

    /// <summary>The document path as <c>ingest</c> takes it: JsonDocument, then the format.</summary>
    private static Event? Document(byte[] json, out string? rejection)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        var format = new GitHubWorkflowJobFormat();
        rejection = format.Recognizes(document.RootElement) ? null : "not recognized";
        if (rejection is not null) return null;
        var events = new List<Event>();
        var context = new PayloadContext(Origin, events);
        format.Read(document.RootElement, context);
        rejection = context.Rejection;
        return rejection is null ? Assert.Single(events) : null;
    }

    private static JsonObject Load(string file) =>
        JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", "workflow_job", file)))!.AsObject();

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
