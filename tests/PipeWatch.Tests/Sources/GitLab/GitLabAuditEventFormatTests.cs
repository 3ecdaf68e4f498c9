using System.Text.Json;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitLab;

public sealed class GitLabAuditEventFormatTests
{
    [Fact]
    public async Task Audit_log_lines_map_a_login_and_a_visibility_change()
    {
        var path = Fixture("GitLab", "audit-events.jsonl");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal(2, events.Count);
        var login = events[0];
        Assert.Equal((EventKind.Audit, "gitlab.audit", "login", Outcome.Success), (login.Kind, login.Dataset, login.Action, login.Outcome));
        Assert.Equal(("root", "Administrator"), (login.UserName, login.TargetUser));
        Assert.Equal(Utc("2024-05-10T17:46:49.058Z"), login.Timestamp);
        Assert.Equal(new Client("208.58.198.174"), login.Client);
        Assert.Equal(CiContext.ForRepository(null, "gitlab"), login.Ci);
        Assert.Null(login.Organization);
        Assert.Equal("standard", login.Fields["gitlab.with"]);
        Assert.Equal("SessionsController#create", login.Fields["gitlab.caller_id"]);
        Assert.StartsWith("gitlab:audit:", login.Id, StringComparison.Ordinal);
        Assert.Equal(new Origin(path, 1), login.Origin);

        var visibility = events[1];
        Assert.Equal(("change_visibility", "John Doe4"), (visibility.Action, visibility.UserName));
        Assert.Null(visibility.TargetUser);
        Assert.Equal(Utc("2018-10-17T17:38:22.523Z"), visibility.Timestamp);
        Assert.Equal(CiContext.ForRepository("namespace2/project2", "gitlab"), visibility.Ci);
        Assert.Equal("namespace2", visibility.Organization);
        Assert.Equal(("Private", "Public"), (visibility.Fields["gitlab.from"], visibility.Fields["gitlab.to"]));
        Assert.Null(visibility.Client);
    }

    [Fact]
    public async Task Streaming_audit_event_maps_its_type_project_and_address()
    {
        var (events, problems) = await ReadAsync(Fixture("GitLab", "audit-streaming-git-operation.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal("gitlab:audit:1653461355", e.Id);
        Assert.Equal(("repository_git_operation", "Administrator"), (e.Action, e.UserName));
        Assert.Equal(Utc("2022-05-25T06:49:15.213Z"), e.Timestamp);
        Assert.Equal(CiContext.ForRepository("flightjs/Flight", "gitlab"), e.Ci);
        Assert.Equal("flightjs", e.Organization);
        Assert.Equal(new Client("127.0.0.1"), e.Client);
        Assert.Equal("git-upload-pack", e.Fields["gitlab.custom_message.action"]);
        Assert.Equal("ssh", e.Fields["gitlab.custom_message.protocol"]);
        Assert.Equal("Project", e.Fields["gitlab.entity_type"]);
    }

    [Fact]
    public async Task Auth_log_rack_attack_block_is_a_failed_access_from_its_address()
    {
        var (events, problems) = await ReadAsync(Fixture("GitLab", "auth-rack-attack.jsonl"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal(("gitlab:auth:01GYDSAKAN2SPZPAMJNRWW5H8S", "gitlab.auth"), (e.Id, e.Dataset));
        Assert.Equal(("rack_attack.blocklist", Outcome.Failure), (e.Action, e.Outcome));
        Assert.Equal(Utc("2023-04-19T22:14:25.893Z"), e.Timestamp);
        Assert.Equal(new Client("67.43.156.18"), e.Client);
        Assert.Equal("/group/project.git/info/refs?service=git-upload-pack", e.Fields["gitlab.path"]);
    }

    [Fact]
    public async Task Audit_event_without_a_time_is_rejected_with_the_reason()
    {
        using var temp = new TempFolder();
        var path = temp.File("audit.json");
        File.WriteAllText(path, """{"id": 1, "author_id": 1, "entity_id": 2, "entity_type": "Project", "details": {}}""");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(events);
        Assert.Contains("gitlab-audit: the audit event has neither 'created_at' nor 'time'", Assert.Single(problems).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("push.json")]
    [InlineData("merge_request.json")]
    [InlineData("deployment.json")]
    [InlineData("pipeline.json")]
    [InlineData("job.json")]
    public void GitLab_webhooks_are_not_audit_events(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Corpus.File("gitlab-webhooks", name)));

        Assert.False(PayloadFormats.Find("gitlab-audit")!.Recognizes(document.RootElement));
    }
}
