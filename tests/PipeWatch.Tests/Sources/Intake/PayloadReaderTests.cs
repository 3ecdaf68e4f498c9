using System.Text;
using System.Text.Json;
using PipeWatch.Events;
using PipeWatch.Sources.Intake;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Sources.Intake;

public sealed class PayloadReaderTests
{
    private static readonly PayloadOrigin Delivery = PayloadOrigin.Webhook("github", "72d3162e-cc78-11e3-81ab-4c9367dc0958");

    /// <summary>Every GitHub webhook example of the corpus, by its event (the folder, as <c>X-GitHub-Event</c> names it) and file.</summary>
    public static TheoryData<string, string> GitHubWebhooks
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (folder, name) in Examples())
            {
                data.Add(folder, name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(GitHubWebhooks))]
    public async Task A_GitHub_webhook_body_read_with_its_event_header_gives_the_events_and_problems_of_its_file(string githubEvent, string name)
    {
        var path = Corpus.File("github-webhooks", githubEvent, name);
        var (fileEvents, fileProblems) = await PayloadFiles.ReadAsync(path);

        var body = await PayloadReader.Default.ReadAsync(
            await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken), Delivery, PayloadHint.GitHubEvent(githubEvent), TestContext.Current.CancellationToken);

        Assert.Equal(fileEvents.Select(Comparable), body.Events.Select(Comparable));
        Assert.All(body.Events, e => Assert.Equal(new Origin(Delivery.Name), e.Origin));
        Assert.Equal(fileProblems.Select(p => (p.Reason, p.Line)), body.Problems.Select(p => (p.Reason, p.Line)));
        Assert.All(body.Problems, p => Assert.Equal("webhook:github/72d3162e-cc78-11e3-81ab-4c9367dc0958", p.File));
    }

    [Fact]
    public void Most_GitHub_webhook_examples_are_of_an_event_whose_header_names_a_format()
    {
        // The theory above compares events, so it proves something only where there are events: most examples name a format.
        var hinted = Examples().Select(e => e.Event).Where(e => PayloadHint.GitHubEvent(e).FormatIds.Count > 0).ToList();

        Assert.True(hinted.Count >= 40, $"{hinted.Count} examples of events with a format");
        Assert.Contains("workflow_job", hinted);
        Assert.Contains("push", hinted);
    }

    [Theory]
    [InlineData("workflow_job", "completed.success.with-organization.payload.json", "github:job:289782451:1:completed")]
    [InlineData("workflow_run", "completed.payload.json", "github:run:289782451:1:completed")]
    public async Task A_workflow_body_gives_its_event_with_the_file_s_id(string githubEvent, string name, string id)
    {
        var bytes = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", githubEvent, name), TestContext.Current.CancellationToken);

        var result = await PayloadReader.Default.ReadAsync(bytes, Delivery, PayloadHint.GitHubEvent(githubEvent), TestContext.Current.CancellationToken);

        Assert.Empty(result.Problems);
        var e = Assert.Single(result.Events);
        Assert.Equal(id, e.Id);
        Assert.Equal(new Origin("webhook:github/72d3162e-cc78-11e3-81ab-4c9367dc0958"), e.Origin);
    }

    [Fact]
    public async Task A_redelivery_of_the_same_body_gives_the_same_event_ids()
    {
        var bytes = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "push", "with-new-branch.payload.json"), TestContext.Current.CancellationToken);
        var hint = PayloadHint.GitHubEvent("push");

        var first = await PayloadReader.Default.ReadAsync(bytes, Delivery, hint, TestContext.Current.CancellationToken);
        var again = await PayloadReader.Default.ReadAsync(bytes, Delivery, hint, TestContext.Current.CancellationToken);

        Assert.NotEmpty(first.Events);
        Assert.Equal(first.Events.Select(e => e.Id), again.Events.Select(e => e.Id));
        Assert.Equal(first.Events.Select(Comparable), again.Events.Select(Comparable));
    }

    [Theory]
    [InlineData("Pipeline Hook", "pipeline.json", "gitlab-pipeline")]
    [InlineData("Job Hook", "job.json", "gitlab-job")]
    [InlineData("Deployment Hook", "deployment.json", "gitlab-deployment")]
    [InlineData("Push Hook", "push.json", "gitlab-push")]
    public async Task A_GitLab_webhook_body_read_with_its_event_header_gives_the_events_of_its_file(string gitlabEvent, string name, string format)
    {
        var path = Corpus.File("gitlab-webhooks", name);
        var (fileEvents, fileProblems) = await PayloadFiles.ReadAsync(path);
        var origin = PayloadOrigin.Webhook("gitlab", "9b3d6a0e-1c2f-4e55-8a0b-5b8f3f1c2d3e");
        var hint = PayloadHint.GitLabEvent(gitlabEvent);

        var body = await PayloadReader.Default.ReadAsync(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken), origin, hint, TestContext.Current.CancellationToken);

        Assert.Equal([format], hint.FormatIds);
        Assert.Empty(fileProblems);
        Assert.Empty(body.Problems);
        Assert.NotEmpty(body.Events);
        Assert.Equal(fileEvents.Select(Comparable), body.Events.Select(Comparable));
        Assert.All(body.Events, e => Assert.Equal("webhook:gitlab/9b3d6a0e-1c2f-4e55-8a0b-5b8f3f1c2d3e", e.Origin.File));
    }

    [Fact]
    public async Task A_body_that_is_not_what_its_header_says_is_a_problem_naming_the_origin()
    {
        var bytes = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "deployment", "payload.json"), TestContext.Current.CancellationToken);

        var result = await PayloadReader.Default.ReadAsync(bytes, Delivery, PayloadHint.GitHubEvent("workflow_job"), TestContext.Current.CancellationToken);

        Assert.Empty(result.Events);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(
            "webhook:github/72d3162e-cc78-11e3-81ab-4c9367dc0958: X-GitHub-Event 'workflow_job' names github-workflow-job, but the document is not one (it is a github-deployment payload); skipped",
            problem.ToString());
    }

    [Fact]
    public async Task A_GitLab_body_under_the_wrong_hook_header_is_a_problem()
    {
        var bytes = await File.ReadAllBytesAsync(Corpus.File("gitlab-webhooks", "job.json"), TestContext.Current.CancellationToken);

        var result = await PayloadReader.Default.ReadAsync(bytes, PayloadOrigin.Webhook("gitlab", "d1"), PayloadHint.GitLabEvent("Pipeline Hook"), TestContext.Current.CancellationToken);

        Assert.Empty(result.Events);
        Assert.Equal("X-Gitlab-Event 'Pipeline Hook' names gitlab-pipeline, but the document is not one (it is a gitlab-job payload); skipped", Assert.Single(result.Problems).Reason);
    }

    [Fact]
    public async Task An_event_header_that_names_no_format_leaves_the_body_to_recognition()
    {
        var bytes = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json"), TestContext.Current.CancellationToken);
        var hint = PayloadHint.GitHubEvent("some_future_event");

        var result = await PayloadReader.Default.ReadAsync(bytes, Delivery, hint, TestContext.Current.CancellationToken);

        Assert.Empty(hint.FormatIds);
        Assert.Equal("github:job:289782451:1:completed", Assert.Single(result.Events).Id);
    }

    [Fact]
    public async Task Bad_JSON_is_a_problem_naming_the_origin()
    {
        var result = await PayloadReader.Default.ReadAsync(
            "{\"action\": \"completed\", \"workflow_job\": {\"id\": 1"u8.ToArray(), Delivery, PayloadHint.GitHubEvent("workflow_job"), TestContext.Current.CancellationToken);

        Assert.Empty(result.Events);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(Delivery.Name, problem.File);
        Assert.StartsWith("invalid JSON: truncated", problem.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_body_is_a_problem_naming_the_origin()
    {
        var result = await PayloadReader.Default.ReadAsync(ReadOnlyMemory<byte>.Empty, Delivery, PayloadHint.GitHubEvent("push"), TestContext.Current.CancellationToken);

        Assert.Empty(result.Events);
        Assert.Equal($"{Delivery.Name}: body is empty", Assert.Single(result.Problems).ToString());
    }

    [Fact]
    public async Task A_binary_body_is_a_problem_naming_the_origin()
    {
        var result = await PayloadReader.Default.ReadAsync(new byte[] { 0x7B, 0x00, 0x22, 0x7D }, Delivery, null, TestContext.Current.CancellationToken);

        Assert.Empty(result.Events);
        Assert.Equal($"{Delivery.Name}: binary body, not JSON (contains NUL bytes)", Assert.Single(result.Problems).ToString());
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{\"a\":", "}")]
    public async Task Deeply_nested_JSON_is_a_problem_not_a_crash(string open, string close)
    {
        var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(open, 100_000)) + "1" + string.Concat(Enumerable.Repeat(close, 100_000)));

        var result = await PayloadReader.Default.ReadAsync(body, Delivery, PayloadHint.GitHubEvent("workflow_job"), TestContext.Current.CancellationToken);

        Assert.Empty(result.Events);
        var problem = Assert.Single(result.Problems);
        // An array is read element by element: the problem names the element.
        Assert.StartsWith(open == "[" ? "element 1: invalid JSON: " : "invalid JSON: ", problem.Reason, StringComparison.Ordinal);
        Assert.Contains("depth", problem.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_20_MB_string_is_read_and_the_problem_quotes_at_most_a_little_of_it()
    {
        var huge = new string('x', 20 << 20);
        var body = Encoding.UTF8.GetBytes("{\"object_kind\": \"" + huge + "\", \"note\": \"" + huge + "\"}");

        var result = await PayloadReader.Default.ReadAsync(body, PayloadOrigin.Webhook("gitlab", "d2"), null, TestContext.Current.CancellationToken);

        Assert.Empty(result.Events);
        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("not a supported payload: a GitLab 'xxxx", problem.Reason, StringComparison.Ordinal);
        Assert.True(problem.Reason.Length < 200, $"{problem.Reason.Length} characters");
    }

    [Fact]
    public async Task A_20_MB_string_inside_a_workflow_job_does_not_stop_the_job_being_read()
    {
        var path = Corpus.File("github-webhooks", "workflow_job", "completed.success.with-organization.payload.json");
        var job = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!;
        job["workflow_job"]!["runner_name"] = new string('r', 20 << 20);

        var result = await PayloadReader.Default.ReadAsync(Encoding.UTF8.GetBytes(job.ToJsonString()), Delivery, PayloadHint.GitHubEvent("workflow_job"), TestContext.Current.CancellationToken);

        Assert.Empty(result.Problems);
        Assert.Equal("github:job:289782451:1:completed", Assert.Single(result.Events).Id);
    }

    [Fact]
    public async Task A_stream_that_cannot_seek_gives_what_its_bytes_give()
    {
        var bytes = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "workflow_run", "completed.payload.json"), TestContext.Current.CancellationToken);
        var hint = PayloadHint.GitHubEvent("workflow_run");

        await using var stream = new ForwardOnlyStream(bytes);
        var fromStream = await PayloadReader.Default.ReadAsync(stream, Delivery, hint, TestContext.Current.CancellationToken);
        var fromBytes = await PayloadReader.Default.ReadAsync(bytes, Delivery, hint, TestContext.Current.CancellationToken);

        Assert.Single(fromStream.Events);
        Assert.Equal(fromBytes.Events.Select(Comparable), fromStream.Events.Select(Comparable));
    }

    [Fact]
    public async Task A_stream_longer_than_the_limit_is_a_problem_and_none_of_it_is_read()
    {
        var bytes = await File.ReadAllBytesAsync(Corpus.File("github-webhooks", "workflow_run", "completed.payload.json"), TestContext.Current.CancellationToken);

        await using var stream = new ForwardOnlyStream(bytes);
        var result = await PayloadReader.Default.ReadAsync(stream, Delivery, PayloadHint.GitHubEvent("workflow_run"), TestContext.Current.CancellationToken, maxBytes: 1024);

        Assert.Empty(result.Events);
        Assert.Equal($"{Delivery.Name}: larger than 1024 bytes; skipped", Assert.Single(result.Problems).ToString());
    }

    [Fact]
    public async Task Json_lines_in_a_body_are_read_line_by_line()
    {
        var job = Compact("workflow_job", "completed.success.with-organization.payload.json");
        var run = Compact("workflow_run", "completed.payload.json");
        var body = Encoding.UTF8.GetBytes($"{job}\nnot json\n{run}\n");

        var result = await PayloadReader.Default.ReadAsync(body, PayloadOrigin.Webhook("agent", "run-7"), null, TestContext.Current.CancellationToken);

        Assert.Equal(["github:job:289782451:1:completed", "github:run:289782451:1:completed"], result.Events.Select(e => e.Id));
        Assert.Equal([new Origin("webhook:agent/run-7", 1), new Origin("webhook:agent/run-7", 3)], result.Events.Select(e => e.Origin));
        Assert.Equal(2, Assert.Single(result.Problems).Line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("new\nline")]
    [InlineData("../../etc/passwd")]
    public void A_delivery_id_of_other_characters_is_refused(string deliveryId)
    {
        Assert.False(PayloadOrigin.IsValidDeliveryId(deliveryId));
        Assert.Throws<ArgumentException>(() => PayloadOrigin.Webhook("github", deliveryId));
    }

    private static List<(string Event, string Name)> Examples() =>
    [
        .. Directory.EnumerateFiles(Corpus.File("github-webhooks"), "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(file => (Path.GetFileName(Path.GetDirectoryName(file)!), Path.GetFileName(file))),
    ];

    /// <summary>An event as comparable text, its origin set aside (a file and a webhook name theirs differently).</summary>
    private static string Comparable(Event e) => JsonSerializer.Serialize(e with { Origin = new Origin("-") });

    private static string Compact(string folder, string name) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Corpus.File("github-webhooks", folder, name)))!.ToJsonString();

    /// <summary>A request body: read once, front to back, length unknown.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 100));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
