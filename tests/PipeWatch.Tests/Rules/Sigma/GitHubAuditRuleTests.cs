using PipeWatch.Events;
using PipeWatch.Rules.Sigma;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>Each GitHub audit rule of the corpus against one audit event it is meant to catch and one near miss.</summary>
public sealed class GitHubAuditRuleTests
{
    // Rule file, an action the rule's description names (GitHub audit-log docs), and a near miss: a real neighbouring action.
    public static TheoryData<string, string, string> Rows => new()
    {
        { "github_delete_action_invoked.yml", "repo.destroy", "repo.create" },
        { "github_disable_high_risk_configuration.yml", "org.disable_two_factor_requirement", "org.enable_two_factor_requirement" },
        { "github_disabled_outdated_dependency_or_vulnerability.yml", "dependabot_alerts.disable", "dependabot_alerts.enable" },
        { "github_fork_private_repos_enabled_or_cleared.yml", "private_repository_forking.enable", "private_repository_forking.disable" },
        { "github_new_org_member.yml", "org.add_member", "org.remove_member" },
        { "github_new_secret_created.yml", "repo.create_actions_secret", "repo.remove_actions_secret" },
        { "github_outside_collaborator_detected.yml", "org.remove_outside_collaborator", "org.add_outside_collaborator" },
        { "github_pages_site_changed_to_public.yml", "repo.pages_public", "repo.pages_private" },
        { "github_push_protection_bypass_detected.yml", "secret_scanning_push_protection.bypass", "secret_scanning_push_protection.enable" },
        { "github_push_protection_disabled.yml", "org.secret_scanning_push_protection_disable", "org.secret_scanning_push_protection_enable" },
        { "github_repo_or_org_transferred.yml", "repo.transfer_outgoing", "repo.transfer_start" },
        { "github_repository_archive_status_changed.yml", "repo.archived", "repo.rename" },
        { "github_secret_scanning_feature_disabled.yml", "repository_secret_scanning.disable", "repository_secret_scanning.enable" },
        { "github_self_hosted_runner_changes_detected.yml", "repo.register_self_hosted_runner", "repo.self_hosted_runner_online" },
        { "github_ssh_certificate_config_changed.yml", "ssh_certificate_requirement.disable", "ssh_certificate_requirement.enable" },
    };

    [Fact]
    public void Every_github_audit_rule_of_the_corpus_has_a_row()
    {
        var files = Directory.GetFiles(Corpus.File("sigma", "application", "github", "audit"), "*.yml").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(files, Rows.Select(r => r.Data.Item1).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Rule_catches_its_action_read_from_an_exported_audit_log_and_not_the_near_miss(string file, string action, string nearMiss)
    {
        using var temp = new TempFolder();
        var log = temp.File("audit-log.jsonl");
        File.WriteAllLines(log, [Entry(action, 1), Entry(nearMiss, 2)]);
        var rule = SigmaRuleLoader.LoadFile(Corpus.File("sigma", "application", "github", "audit", file)).Rule!;

        var events = await EventFiles.ReadAsync(log);

        Assert.True(rule.Matches(new SigmaEventFields(events[0])), $"{file} should match {action}");
        Assert.False(rule.Matches(new SigmaEventFields(events[1])), $"{file} should not match {nearMiss}");
    }

    // One entry as GitHub's audit-log export writes it (JSON Lines): the keys of docs.github.com's "Audit log events".
    private static string Entry(string action, int n) =>
        $$"""{"@timestamp": {{1772446500000 + n * 1000}}, "_document_id": "doc-{{n}}", "action": "{{action}}", "actor": "mallory", "actor_ip": "203.0.113.7", "actor_location": {"country_code": "NL"}, "org": "octo-org", "repo": "octo-org/payments", "operation_type": "modify", "user_agent": "Mozilla/5.0"}""";

    [Theory]
    [MemberData(nameof(Rows))]
    public void Rule_catches_its_action_and_not_the_near_miss(string file, string action, string nearMiss)
    {
        var rule = SigmaRuleLoader.LoadFile(Corpus.File("sigma", "application", "github", "audit", file)).Rule!;

        Assert.True(rule.Matches(new SigmaEventFields(Audit(action))), $"{file} should match {action}");
        Assert.False(rule.Matches(new SigmaEventFields(Audit(nearMiss))), $"{file} should not match {nearMiss}");
    }

    [Fact]
    public void Raw_audit_log_names_read_the_event()
    {
        var fields = new SigmaEventFields(Audit("repo.destroy"));

        Assert.True(fields.TryGet("actor", out var actor));
        Assert.Equal("mallory", actor);
        Assert.True(fields.TryGet("repo", out var repo));
        Assert.Equal("octo-org/payments", repo);
        Assert.True(fields.TryGet("org", out var org));
        Assert.Equal("octo-org", org);
        Assert.True(fields.TryGet("actor_ip", out var ip));
        Assert.Equal("203.0.113.7", ip);
        Assert.True(fields.TryGet("github.operation_type", out var operation));
        Assert.Equal("remove", operation);
        Assert.False(fields.TryGet("user", out _));
    }

    // An audit-log entry as the GitHub audit source makes it: action, actor, repository, organization, client.
    private static Event Audit(string action) => new()
    {
        Kind = EventKind.Audit,
        Id = $"github:audit:{action}",
        Timestamp = new DateTimeOffset(2026, 3, 2, 10, 15, 0, TimeSpan.Zero),
        Dataset = "github.audit",
        Action = action,
        Outcome = Outcome.Success,
        Ci = CiContext.ForRepository("octo-org/payments", "github"),
        Organization = "octo-org",
        UserName = "mallory",
        Client = new Client("203.0.113.7", "NL", "Mozilla/5.0"),
        Fields = new Dictionary<string, string> { ["github.operation_type"] = "remove" },
        Origin = new Origin("audit.json", 1),
    };
}
