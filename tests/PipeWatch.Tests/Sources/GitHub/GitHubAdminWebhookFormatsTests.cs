using System.Text.Json;
using PipeWatch.Events;
using PipeWatch.Sources;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitHub;

public sealed class GitHubAdminWebhookFormatsTests
{
    [Fact]
    public async Task Member_added_is_a_repository_collaborator_added()
    {
        var path = Corpus.File("github-webhooks", "member", "added.payload.json");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal(EventKind.Audit, e.Kind);
        Assert.Equal("github:webhook:member:186853002:39652351:added", e.Id);
        Assert.Equal("github.member", e.Dataset);
        Assert.Equal(("repo.add_member", Outcome.Success), (e.Action, e.Outcome));
        Assert.Equal(("hacktocat", "hacktocat"), (e.UserName, e.TargetUser));
        Assert.Equal(CiContext.ForRepository("Codertocat/Hello-World", "github"), e.Ci);
        Assert.Null(e.Organization);
        // No delivery time in the body: the repository's updated_at stands in.
        Assert.Equal(Utc("2019-05-15T15:20:41Z"), e.Timestamp);
        Assert.Equal("added", e.Fields["github.webhook_action"]);
        Assert.Equal(new Origin(path), e.Origin);
    }

    [Fact]
    public async Task Member_edited_keeps_the_old_permission()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "member", "edited.payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal(("repo.update_member", "Codertocat", "octocat"), (e.Action, e.UserName, e.TargetUser));
        Assert.True(e.Fields.ContainsKey("github.old_permission"));
    }

    [Fact]
    public async Task Membership_added_is_a_team_member_added_in_the_organization()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "membership", "added.payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal("github:webhook:membership:3253328:21031067:added", e.Id);
        Assert.Equal(("team.add_member", "Codertocat", "Codertocat", "Octocoders"), (e.Action, e.UserName, e.TargetUser, e.Organization));
        Assert.Equal(CiContext.ForRepository(null, "github"), e.Ci);
        Assert.Equal("github", e.Fields["github.team"]);
        Assert.Equal("pull", e.Fields["github.permission"]);
        // Neither the team nor the organization has a time: the event says so.
        Assert.Equal("true", e.Fields["event.timestamp_missing"]);
        Assert.True(e.TimestampMissing);
        Assert.Equal(DateTimeOffset.UnixEpoch, e.Timestamp);
    }

    [Fact]
    public async Task Organization_member_added_and_invited_use_the_audit_log_actions()
    {
        var added = Assert.Single((await ReadAsync(Corpus.File("github-webhooks", "organization", "member_added.payload.json"))).Events);
        Assert.Equal("github:webhook:organization:38302899:39652351:member_added", added.Id);
        Assert.Equal(("org.add_member", "Codertocat", "hacktocat", "Octocoders"), (added.Action, added.UserName, added.TargetUser, added.Organization));
        Assert.Equal("member", added.Fields["github.role"]);
        Assert.Equal("pending", added.Fields["github.state"]);

        var invited = Assert.Single((await ReadAsync(Corpus.File("github-webhooks", "organization", "member_invited.payload.json"))).Events);
        Assert.Equal(("org.invite_member", "hacktocat"), (invited.Action, invited.TargetUser));
        Assert.Equal(Utc("2021-05-24T04:10:21Z"), invited.Timestamp);
        Assert.Equal("direct_member", invited.Fields["github.role"]);

        var renamed = Assert.Single((await ReadAsync(Corpus.File("github-webhooks", "organization", "renamed.payload.json"))).Events);
        Assert.Equal("org.rename", renamed.Action);
    }

    [Fact]
    public async Task Deploy_key_created_is_a_public_key_created_with_its_title_and_access()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "deploy_key", "created.payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal("github:webhook:deploy_key:135493233:100:created", e.Id);
        Assert.Equal(("public_key.create", "Codertocat"), (e.Action, e.UserName));
        Assert.Equal(CiContext.ForRepository("Codertocat/Hello-World", "github"), e.Ci);
        Assert.Equal(Utc("2019-04-02T17:37:07Z"), e.Timestamp);
        Assert.Equal("hey-its-a-deploy-key", e.Fields["github.deploy_key.title"]);
        Assert.Equal("true", e.Fields["github.deploy_key.read_only"]);
    }

    [Fact]
    public async Task Secret_scanning_alert_reopened_keeps_the_secret_type()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "secret_scanning_alert", "reopened.payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal("github:webhook:secret_scanning_alert:257423561:191:reopened", e.Id);
        Assert.Equal(("secret_scanning_alert.reopened", "Codertocat", "Codertocat"), (e.Action, e.UserName, e.Organization));
        Assert.Equal(CiContext.ForRepository("Codertocat/Hello-World", "github"), e.Ci);
        Assert.Equal(Utc("2020-11-24T01:37:33Z"), e.Timestamp);
        Assert.Equal("adafruit_io_key", e.Fields["github.secret_type"]);
        Assert.Equal("191", e.Fields["github.alert_number"]);
    }

    [Theory]
    [InlineData("created.payload.json", "protected_branch.create")]
    [InlineData("edited.payload.json", "protected_branch.update")]
    [InlineData("deleted.payload.json", "protected_branch.destroy")]
    public async Task Branch_protection_rule_changes_keep_the_rule_settings(string name, string action)
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "branch_protection_rule", name));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal(action, e.Action);
        Assert.Equal(("Codertocat", "octo-org"), (e.UserName, e.Organization));
        Assert.Equal(CiContext.ForRepository("octo-org/octo-repo", "github"), e.Ci);
        Assert.Equal(Utc("2021-08-19T16:16:32Z"), e.Timestamp);
        Assert.Equal("production", e.Fields["github.rule.name"]);
        Assert.Equal("off", e.Fields["github.rule.allow_force_pushes_enforcement_level"]);
        Assert.Equal("basic-CI", e.Fields["github.rule.required_status_checks"]);
        Assert.StartsWith("github:webhook:branch_protection_rule:17273051:21796960:", e.Id, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("created.payload.json", "repo.create", "public", "2019-05-15T15:20:42Z")]
    [InlineData("publicized.payload.json", "repo.access", "public", "2019-05-15T15:21:03Z")]
    [InlineData("privatized.with-organization.payload.json", "repo.access", "private", "2019-05-15T15:21:02Z")]
    [InlineData("transferred.payload.json", "repo.transfer", "public", "2019-05-15T15:20:42Z")]
    [InlineData("renamed.payload.json", "repo.rename", "public", "2019-05-15T15:20:42Z")]
    [InlineData("edited.payload.json", "repo.update", "public", "2019-05-15T15:20:42Z")]
    public async Task Repository_changes_use_the_audit_log_actions(string name, string action, string visibility, string time)
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "repository", name));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal((action, "Codertocat"), (e.Action, e.UserName));
        Assert.Equal(visibility, e.Fields["github.visibility"]);
        Assert.Equal(Utc(time), e.Timestamp);
        Assert.Equal("github.repository", e.Dataset);
    }

    [Fact]
    public async Task Repository_transfer_and_rename_say_what_it_was_before()
    {
        var transferred = Assert.Single((await ReadAsync(Corpus.File("github-webhooks", "repository", "transferred.payload.json"))).Events);
        Assert.Equal("octocat", transferred.Fields["github.old_owner"]);
        Assert.Equal(CiContext.ForRepository("Octocoders/Hello-World", "github"), transferred.Ci);

        var renamed = Assert.Single((await ReadAsync(Corpus.File("github-webhooks", "repository", "renamed.payload.json"))).Events);
        Assert.Equal("Hello-World", renamed.Fields["github.old_name"]);
        Assert.Equal("Octocoders", renamed.Organization);
    }

    [Theory]
    [InlineData("member", "github-member")]
    [InlineData("membership", "github-membership")]
    [InlineData("organization", "github-organization")]
    [InlineData("deploy_key", "github-deploy-key")]
    [InlineData("secret_scanning_alert", "github-secret-scanning-alert")]
    [InlineData("branch_protection_rule", "github-branch-protection-rule")]
    [InlineData("repository", "github-repository")]
    public async Task Every_corpus_payload_of_each_webhook_is_detected_and_read(string folder, string id)
    {
        Assert.Equal(id, PayloadFormats.Find(id)?.Id);
        foreach (var path in Directory.GetFiles(Corpus.File("github-webhooks", folder), "*.json"))
        {
            using (var document = JsonDocument.Parse(File.ReadAllBytes(path)))
            {
                Assert.Equal(id, PayloadFormats.All.FirstOrDefault(f => f.Recognizes(document.RootElement))?.Id);
            }

            var (events, problems) = await ReadAsync(path);
            Assert.Empty(problems);
            var e = Assert.Single(events);
            Assert.Equal(EventKind.Audit, e.Kind);
            Assert.NotNull(e.UserName);
        }
    }

    [Theory]
    [InlineData("create", "payload.json")]
    [InlineData("public", "payload.json")]
    [InlineData("team_add", "payload.json")]
    [InlineData("installation", "created.payload.json")]
    [InlineData("dependabot_alert", "created.payload.json")]
    [InlineData("repository_vulnerability_alert", "create.payload.json")]
    [InlineData("org_block", "blocked.payload.json")]
    [InlineData("check_run", "completed.payload.json")]
    [InlineData("workflow_dispatch", "payload.json")]
    public void Other_webhooks_are_still_recognized_by_no_format(string folder, string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Corpus.File("github-webhooks", folder, name)));

        Assert.DoesNotContain(PayloadFormats.All, f => f.Recognizes(document.RootElement));
    }
}
