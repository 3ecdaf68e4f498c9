using PipeWatch.Events;
using PipeWatch.Rules.Sigma;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>Each Bitbucket Data Center audit rule of the corpus against one audit event it is meant to catch and one near miss.</summary>
public sealed class BitbucketAuditRuleTests
{
    // Rule file, the audit category and action it names, and a near-miss action in the same category.
    // The corpus's two export rules have their file names swapped: "user_details_export" matches permission exports and the reverse.
    public static TheoryData<string, string, string, string> Rows => new()
    {
        { "bitbucket_audit_full_data_export_triggered.yml", "Data pipeline", "Full data export triggered", "Data pipeline job completed" },
        { "bitbucket_audit_global_permissions_change_detected.yml", "Permissions", "Global permission granted", "Project permission granted" },
        { "bitbucket_audit_global_secret_scanning_rule_deleted.yml", "Global administration", "Global secret scanning rule deleted", "Global secret scanning rule added" },
        { "bitbucket_audit_global_ssh_settings_change_detected.yml", "Global administration", "SSH settings changed", "Mail server configuration changed" },
        { "bitbucket_audit_log_configuration_update_detected.yml", "Auditing", "Audit log configuration updated", "Audit log exported" },
        { "bitbucket_audit_project_secret_scanning_allowlist_added.yml", "Projects", "Project secret scanning allowlist rule added", "Project secret scanning rule added" },
        { "bitbucket_audit_secret_scanning_exempt_repository_detected.yml", "Repositories", "Secret scanning exempt repository added", "Secret scanning exempt repository removed" },
        { "bitbucket_audit_secret_scanning_rule_deleted.yml", "Repositories", "Repository secret scanning rule deleted", "Repository secret scanning rule added" },
        { "bitbucket_audit_unauthorized_access_detected.yml", "Security", "Unauthorized access to a resource", "Access token created" },
        { "bitbucket_audit_unauthorized_full_data_export_triggered.yml", "Data pipeline", "Unauthorized full data export triggered", "Full data export triggered" },
        { "bitbucket_audit_user_details_export_attempt_detected.yml", "Users and groups", "User permissions export started", "User added to group" },
        { "bitbucket_audit_user_login_failure_detected.yml", "Authentication", "User login failed", "User logged in" },
        { "bitbucket_audit_user_login_failure_via_ssh_detected.yml", "Authentication", "User login failed(SSH)", "User login failed" },
        { "bitbucket_audit_user_permissions_export_attempt_detected.yml", "Users and groups", "User details exported", "User permissions exported" },
    };

    [Fact]
    public void Every_bitbucket_audit_rule_of_the_corpus_has_a_row()
    {
        var files = Directory.GetFiles(Corpus.File("sigma", "application", "bitbucket", "audit"), "*.yml").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(files, Rows.Select(r => r.Data.Item1).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Rule_catches_its_action_and_not_the_near_miss(string file, string category, string action, string nearMiss)
    {
        var rule = SigmaRuleLoader.LoadFile(Corpus.File("sigma", "application", "bitbucket", "audit", file)).Rule!;

        Assert.True(rule.Matches(new SigmaEventFields(Audit(category, action))), $"{file} should match {action}");
        Assert.False(rule.Matches(new SigmaEventFields(Audit(category, nearMiss))), $"{file} should not match {nearMiss}");
        Assert.False(rule.Matches(new SigmaEventFields(Audit("Other", action))), $"{file} should not match {action} in another category");
    }

    // A Bitbucket audit entry: auditType.action as the event action, auditType.category in the fields.
    private static Event Audit(string category, string action) => new()
    {
        Kind = EventKind.Audit,
        Id = $"bitbucket:audit:{action}",
        Timestamp = new DateTimeOffset(2026, 3, 2, 10, 15, 0, TimeSpan.Zero),
        Dataset = "bitbucket.audit",
        Action = action,
        Ci = CiContext.ForRepository(null, "bitbucket"),
        UserName = "mallory",
        Fields = new Dictionary<string, string> { ["bitbucket.audit_category"] = category },
        Origin = new Origin("audit.json", 1),
    };
}
