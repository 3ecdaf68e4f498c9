using PipeWatch.Diagnostics;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Sources.Files;
using PipeWatch.Sources.Jenkins;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.Jenkins;

public sealed class JenkinsAuditTrailFormatTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Each_kind_of_audit_line_is_normalized()
    {
        var path = Fixture("Jenkins", "audit-trail.log");

        var (events, problems) = await ReadLinesAsync(path);

        Assert.Empty(problems);
        Assert.Equal(
            [
                (1, "jenkins.config_submit", "alice", "payments", "", "2026-11-27T03:14:07.4120000+00:00", Outcome.Unknown),
                (2, "jenkins.build_started", "alice", "payments", "12", "2026-11-27T03:14:12.0310000+00:00", Outcome.Unknown),
                (3, "jenkins.build_completed", "alice", "payments", "12", "2026-11-27T03:16:40.8770000+00:00", Outcome.Success),
                (4, "jenkins.build_started", null, "platform/nightly", "13", "2026-11-27T04:00:00.0050000+00:00", Outcome.Unknown),
                (5, "jenkins.login", "bob", "", "", "2026-11-27T09:02:11.2500000+00:00", Outcome.Success),
                (6, "jenkins.failed_login", "mallory", "", "", "2026-11-27T09:02:58.9040000+00:00", Outcome.Failure),
                (7, "jenkins.stop", "bob", "platform/deploy", "14", "2026-11-27T09:05:31.1180000+00:00", Outcome.Unknown),
                (8, "jenkins.cancel_queue", "bob", "payments", "", "2026-11-27T09:06:02.7330000+00:00", Outcome.Unknown),
                (9, "jenkins.credentials_used", null, "platform/deploy", "14", "2026-11-27T09:10:45.6000000+00:00", Outcome.Unknown),
                (10, "jenkins.logout", "bob", "", "", "2026-11-27T17:31:09.0200000+00:00", Outcome.Success),
                (11, "jenkins.create_item", null, "", "", "2026-11-27T23:47:19.3020000+00:00", Outcome.Unknown),
            ],
            events.Select(e => (e.Origin.Line ?? 0, e.Action, e.UserName, e.Ci.Repository, e.Ci.RunId, e.Timestamp.ToString("o", System.Globalization.CultureInfo.InvariantCulture), e.Outcome)));
        Assert.All(events, e =>
        {
            Assert.Equal((EventKind.Audit, "jenkins.audit_trail", "jenkins", path), (e.Kind, e.Dataset, e.Ci.Platform, e.Origin.File));
            Assert.Equal(e.Ci.Repository, e.Ci.Pipeline);
            Assert.Matches("^jenkins:audit:[0-9a-f]{16}$", e.Id);
        });
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Uri_cause_node_credentials_and_client_are_kept()
    {
        var (events, _) = await ReadLinesAsync(Fixture("Jenkins", "audit-trail.log"));

        Assert.Equal(new Dictionary<string, string> { ["jenkins.uri"] = "/job/payments/configSubmit" }, events[0].Fields);
        Assert.Equal(new Dictionary<string, string> { ["jenkins.uri"] = "job/payments/", ["jenkins.cause"] = "Started by user alice" }, events[1].Fields);
        Assert.Equal(new Dictionary<string, string> { ["jenkins.cause"] = "Started by user alice", ["jenkins.node"] = "built-in" }, events[2].Fields);
        Assert.Equal((Utc("2026-11-27T03:14:12Z"), TimeSpan.FromMilliseconds(148123), true), (events[2].Start!.Value, events[2].Duration!.Value, events[2].Completed));
        Assert.Equal("Started by timer", events[3].Fields["jenkins.cause"]);
        Assert.Equal(new Dictionary<string, string> { ["jenkins.uri"] = "/queue/item/57/cancelQueue" }, events[7].Fields);
        Assert.Equal(new Dictionary<string, string> { ["jenkins.credentials_id"] = "prod-deploy-key" }, events[8].Fields);
        Assert.Equal(new Client(Ip: "203.0.113.50"), events[10].Client);
    }

    [Fact]
    public async Task The_id_depends_on_the_line_not_on_the_file_or_its_position()
    {
        var lines = await File.ReadAllLinesAsync(Fixture("Jenkins", "audit-trail.log"), TestContext.Current.CancellationToken);
        var copy = _temp.File("copy.log");
        await File.WriteAllLinesAsync(copy, [lines[4], lines[0]], TestContext.Current.CancellationToken);

        var (original, _) = await ReadLinesAsync(Fixture("Jenkins", "audit-trail.log"));
        var (moved, _) = await ReadLinesAsync(copy);

        Assert.Equal([original[4].Id, original[0].Id], moved.Select(e => e.Id));
    }

    [Fact]
    public async Task A_line_that_does_not_parse_is_reported_and_the_rest_of_the_file_is_read()
    {
        // A multi-line string parameter breaks the plugin's one-line-per-record layout; the older date has no milliseconds.
        var path = Fixture("Jenkins", "audit-trail-multiline-parameter.log");

        var (events, problems) = await ReadLinesAsync(path);

        Assert.Equal(
            [
                (1, "jenkins.build_started", "Started by user alice", Utc("2026-11-27T10:00:01Z")),
                (3, "jenkins.delete", null, Utc("2026-11-27T10:00:05Z")),
            ],
            events.Select(e => (e.Origin.Line ?? 0, e.Action, e.Fields.GetValueOrDefault("jenkins.cause"), e.Timestamp)));
        Assert.Equal(
            [new Problem(path, "jenkins-audit-trail: not an audit trail line: no 'MMM d, yyyy h:mm:ss[,SSS] AM|PM' date at its start", 2)],
            problems);
    }

    [Fact]
    public void A_message_it_does_not_know_is_rejected_with_the_reason()
    {
        var format = new JenkinsAuditTrailFormat();

        var read = format.TryRead("Nov 27, 2026 3:14:07,412 AM something else entirely", new Origin("audit.log", 1), out _, out var reason);

        Assert.False(read);
        Assert.Equal("not an audit trail message this reader knows: 'something else entirely'", reason);
    }

    [Fact]
    public async Task Ingest_picks_the_text_source_for_an_audit_log_and_the_json_source_for_the_rest()
    {
        var audit = Fixture("Jenkins", "audit-trail.log");
        var json = Fixture("Jenkins", "build-success.json");
        var text = _temp.File("notes.md");
        await File.WriteAllTextAsync(text, "\n  Release notes for 2026-11-27\n- fixed the build\n", TestContext.Current.CancellationToken);
        var blankThenAudit = _temp.File("audit.log");
        await File.WriteAllTextAsync(blankThenAudit, "\n\n" + (await File.ReadAllTextAsync(audit, TestContext.Current.CancellationToken)), TestContext.Current.CancellationToken);

        var sources = InputFiles.Sources([audit, json, text, blankThenAudit]);

        Assert.Equal([typeof(TextLineSource), typeof(JsonFileSource), typeof(JsonFileSource), typeof(TextLineSource)], sources.Select(s => s.GetType()));
        var problems = new ProblemLog();
        await foreach (var _ in sources[2].ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal([new Problem(text, "not JSON: the first character is neither '{' nor '['")], problems.Problems);
    }

    [Fact]
    public void A_forced_json_format_keeps_every_file_on_the_json_source()
    {
        var sources = InputFiles.Sources([Fixture("Jenkins", "audit-trail.log")], new JenkinsBuildFormat());

        Assert.IsType<JsonFileSource>(Assert.Single(sources));
    }

    private static async Task<(IReadOnlyList<Event> Events, IReadOnlyList<Problem> Problems)> ReadLinesAsync(string path)
    {
        var problems = new ProblemLog();
        var events = new List<Event>();
        await foreach (var e in new TextLineSource(path, new JenkinsAuditTrailFormat()).ReadAsync(new SourceContext(problems), TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        return (events, problems.Problems);
    }

    public void Dispose() => _temp.Dispose();
}
