using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitHub;

public sealed class GitHubAuditLogFormatTests
{
    [Fact]
    public async Task Organization_export_lines_map_actor_target_country_and_repository()
    {
        var path = Fixture("GitHub", "audit-organization.jsonl");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        Assert.Equal(7, events.Count);
        Assert.All(events, e => Assert.Equal((EventKind.Audit, "github.audit", Outcome.Success), (e.Kind, e.Dataset, e.Outcome)));

        var invite = events[0];
        Assert.Equal("org.invite_member", invite.Action);
        Assert.Equal(("github-actor", "github-user", "Example-Org"), (invite.UserName, invite.TargetUser, invite.Organization));
        Assert.Equal(Utc("2020-03-04T23:26:22.722Z"), invite.Timestamp);
        Assert.Equal(new Client(null, "US", null), invite.Client);
        Assert.Equal(CiContext.ForRepository(null, "github"), invite.Ci);
        Assert.StartsWith("github:audit:", invite.Id, StringComparison.Ordinal);
        Assert.Equal(new Origin(path, 1), invite.Origin);

        var create = events[2];
        Assert.Equal("repo.create", create.Action);
        Assert.Equal(CiContext.ForRepository("Example-Org/repo-abc", "github"), create.Ci);
        Assert.Equal(Utc("2020-03-09T14:16:13.109Z"), create.Timestamp);
        Assert.Equal("US", create.Client?.CountryCode);

        Assert.Equal("Example-Org/authors", events[3].Fields["github.team"]);

        var deleteRun = events[4];
        Assert.Equal("workflows.delete_workflow_run", deleteRun.Action);
        Assert.Equal(
            new CiContext("Example-Org/repo-123", string.Empty, "787035990", 1, null, "PIDTurret", "5e66d4c16db382dd28f660240121248ca015c20f", "github"),
            deleteRun.Ci);
        Assert.Equal("787035990", deleteRun.Fields["github.workflow_run_id"]);

        Assert.Equal("protected_branch.rejected_ref_update", events[5].Action);
        Assert.Null(events[6].Organization);
        Assert.Equal(string.Empty, events[6].Ci.Repository);
    }

    [Fact]
    public async Task Streamed_entries_use_the_document_id_and_keep_their_scalar_fields()
    {
        var (events, problems) = await ReadAsync(Fixture("GitHub", "audit-enterprise-stream.jsonl"));

        Assert.Empty(problems);
        Assert.Equal(3, events.Count);
        var create = events[0];
        Assert.Equal("github:audit:Nm4EoecTsz6kAS-87bAEfA", create.Id);
        Assert.Equal("repo.create", create.Action);
        Assert.Equal(Utc("2025-03-10T12:57:43.961Z"), create.Timestamp);
        Assert.Equal(("user_actor", "user-delete"), (create.UserName, create.Organization));
        Assert.Equal(CiContext.ForRepository("user-delete/private-repo", "github"), create.Ci);
        Assert.Equal(
            new Client(null, "IN", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36"),
            create.Client);
        Assert.Equal("create", create.Fields["github.operation_type"]);
        Assert.Equal("internal", create.Fields["github.visibility"]);
        Assert.Equal("false", create.Fields["github.actor_is_bot"]);
        Assert.Equal("false", create.Fields["github.public_repo"]);
        Assert.Equal("enterprise-account", create.Fields["github.business"]);
        Assert.False(create.Fields.ContainsKey("github.request_access_security_header"));

        var streaming = events[2];
        Assert.Equal("audit_log_streaming.update", streaming.Action);
        Assert.Equal("Connection String", streaming.Fields["github.secrets_updated"]);
        Assert.Equal("Azure Event Hubs", streaming.Fields["github.audit_log_stream_sink"]);
    }

    [Fact]
    public async Task Exported_array_reads_ip_org_arrays_short_repository_names_and_space_separated_times()
    {
        var (events, problems) = await ReadAsync(Fixture("GitHub", "audit-enterprise-export.json"));

        Assert.Empty(problems);
        Assert.Equal(4, events.Count);
        var login = events[0];
        Assert.Equal(("user.login", "john_doe", "tech-corp"), (login.Action, login.UserName, login.Organization));
        Assert.Equal(new Client("192.168.1.1", null, null), login.Client);
        Assert.Equal(Utc("2023-10-29T11:40:00Z"), login.Timestamp);
        Assert.Equal("password", login.Fields["github.login_method"]);

        var create = events[1];
        Assert.Equal("dev-group", create.Organization);
        Assert.Equal(CiContext.ForRepository("dev-group/project-alpha", "github"), create.Ci);

        var run = events[2];
        Assert.Equal("workflows.completed_workflow_run", run.Action);
        Assert.Equal(Utc("2023-01-31T18:58:27.638Z"), run.Timestamp);
        Assert.Equal(
            new CiContext("your-org/panther-analysis-copy", "CodeQL", "4053436306", 2, null, "master", "66dddbefc5ad7f4d5b6c0d4fa0b76a2a4bb5a8a0", "github"),
            run.Ci);
        Assert.Equal("failure", run.Fields["github.conclusion"]);
        Assert.Equal("203.0.113.7", run.Client?.Ip);

        var clone = events[3];
        Assert.Equal(Utc("2024-03-13T22:36:27.788Z"), clone.Timestamp);
        Assert.Equal(CiContext.ForRepository("acme-inc/a-repo", "github"), clone.Ci);
        Assert.Equal(new Client(null, "DE", "git/2.39.3"), clone.Client);
        Assert.Equal("personal_access_token", clone.Fields["github.programmatic_access_type"]);
        Assert.Equal("repo,workflow", clone.Fields["github.token_scopes"]);
    }

    [Fact]
    public async Task The_same_entry_read_twice_gets_the_same_id()
    {
        var first = await ReadAsync(Fixture("GitHub", "audit-organization.jsonl"));
        var second = await ReadAsync(Fixture("GitHub", "audit-organization.jsonl"));

        Assert.Equal(first.Events.Select(e => e.Id), second.Events.Select(e => e.Id));
        Assert.Equal(first.Events.Count, first.Events.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Hook_entries_keep_the_hook_url_and_entries_without_a_time_are_marked()
    {
        using var temp = new TempFolder();
        var path = temp.File("hook.json");
        File.WriteAllText(path, """{"actor":"cat","action":"hook.create","config":{"url":"https://fake.url"},"org":"my-org","repo":"my-org/my-repo","public_repo":false}""");

        var (events, problems) = await ReadAsync(path);

        Assert.Empty(problems);
        var hook = Assert.Single(events);
        Assert.Equal("https://fake.url", hook.Fields["github.config.url"]);
        Assert.Equal("true", hook.Fields["event.timestamp_missing"]);
        Assert.True(hook.TimestampMissing);
        Assert.Equal(DateTimeOffset.UnixEpoch, hook.Timestamp);
    }

    [Fact]
    public void Webhooks_with_undotted_actions_are_not_audit_entries()
    {
        using var document = JsonDocument.Parse("""{"action":"created","repository":{"full_name":"a/b"},"sender":{"login":"x"},"created_at":"2020-01-01T00:00:00Z"}""");

        Assert.False(new PipeWatch.Sources.GitHub.GitHubAuditLogFormat().Recognizes(document.RootElement));
    }

    /// <summary>
    /// Every event of the labelled Panther tests: each audit-log-shaped one (dotted action, an actor or a time, no workflow object)
    /// yields exactly one audit event with its action and actor; the webhook-shaped ones are left to their formats or reported unsupported.
    /// </summary>
    [Fact]
    public async Task Every_audit_shaped_event_of_the_panther_corpus_is_read()
    {
        var files = Directory.GetFiles(Corpus.File("github-audit", "panther-tests"), "*.json").Order(StringComparer.Ordinal).ToList();
        using var temp = new TempFolder();
        var total = 0;
        var auditShaped = 0;
        var read = 0;
        var others = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var tests = JsonNode.Parse(File.ReadAllText(file))!["tests"]!.AsArray();
            foreach (var test in tests)
            {
                var node = test!["event"]!;
                total++;
                var path = temp.File($"{Path.GetFileNameWithoutExtension(file)}-{total}.jsonl");
                File.WriteAllText(path, node.ToJsonString() + "\n");
                var (events, problems) = await ReadAsync(path);
                if (!IsAuditShaped(node.AsObject()))
                {
                    Assert.DoesNotContain(events, e => e.Dataset == "github.audit");
                    foreach (var other in events) others[other.Dataset] = others.GetValueOrDefault(other.Dataset) + 1;
                    continue;
                }

                auditShaped++;
                Assert.True(problems.Count == 0, $"{file} #{total}: {string.Join("; ", problems)}");
                var e = Assert.Single(events);
                Assert.Equal(EventKind.Audit, e.Kind);
                Assert.Equal((string?)node["action"], e.Action);
                var actor = (string?)node["actor"];
                Assert.Equal(string.IsNullOrEmpty(actor) ? null : actor, e.UserName);
                read++;
            }
        }

        Assert.Equal(177, total);
        Assert.Equal(99, auditShaped);
        Assert.Equal(99, read);
        // Of the webhook-shaped rest: the three Shai-Hulud repositories created and deleted (github-repository), and the two
        // complete workflow_job payloads, still read by github-workflow-job; the 12 commits of push webhooks, read by github-push;
        // the others are reported unsupported or rejected.
        Assert.Equal("github.push=12, github.repository=3, github.workflow_job=2", string.Join(", ", others.Select(o => $"{o.Key}={o.Value}")));
    }

    private static bool IsAuditShaped(JsonObject e) =>
        e["action"] is JsonValue action && action.TryGetValue<string>(out var text) && text.Contains('.')
        && (e.ContainsKey("actor") || e.ContainsKey("@timestamp") || e.ContainsKey("created_at") || e.ContainsKey("_document_id"))
        && e["workflow_job"] is not JsonObject && e["workflow_run"] is not JsonObject;
}
