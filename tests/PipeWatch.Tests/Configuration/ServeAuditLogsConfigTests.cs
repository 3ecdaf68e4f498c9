using PipeWatch.Configuration;
using PipeWatch.Engine;
using Xunit;

namespace PipeWatch.Tests.Configuration;

/// <summary><c>serve.audit-logs</c> in pipewatch.yml: each entry names one audit log; every mistake is reported with its line and key.</summary>
public sealed class ServeAuditLogsConfigTests
{
    [Fact]
    public void Each_source_key_becomes_its_api_path_with_the_defaults()
    {
        var config = ConfigLoader.Parse(
            """
            serve:
              audit-logs:
                - github-enterprise: acme-corp
                - gitlab-instance: true
                - gitlab-project: 7
            """, "pipewatch.yml");

        Assert.Equal(
            [
                new AuditLogPoll("github", "enterprises/acme-corp/audit-log", null, TimeSpan.FromMinutes(5), 100, TimeSpan.FromDays(1), "PIPEWATCH_GITHUB_TOKEN"),
                new AuditLogPoll("gitlab", "audit_events", null, TimeSpan.FromMinutes(5), 100, TimeSpan.FromDays(1), "PIPEWATCH_GITLAB_TOKEN"),
                new AuditLogPoll("gitlab", "projects/7/audit_events", null, TimeSpan.FromMinutes(5), 100, TimeSpan.FromDays(1), "PIPEWATCH_GITLAB_TOKEN"),
            ],
            config.Serve.AuditLogs);
    }

    [Fact]
    public void Two_sources_in_one_entry_a_bad_name_a_phrase_for_gitlab_and_an_unknown_key_are_each_reported()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            serve:
              audit-logs:
                - github-organization: acme
                  gitlab-group: 42
                - github-organization: 'acme/../x'
                - gitlab-group: 42
                  phrase: 'action:repo'
                - github-organization: acme
                  per-page: 500
                  cursor: abc
            """, "pipewatch.yml"));

        Assert.Equal(
            [
                "pipewatch.yml:3: serve.audit-logs[0]: give exactly one of github-organization, github-enterprise, gitlab-instance: true, gitlab-group, gitlab-project",
                "pipewatch.yml:5: serve.audit-logs[1].github-organization: expected a name or id (letters, digits, '-', '_', '.')",
                "pipewatch.yml:6: serve.audit-logs[2].phrase: only GitHub audit logs take a search phrase",
                "pipewatch.yml:9: serve.audit-logs[3].per-page: expected a whole number from 1 to 100, got '500'",
                "pipewatch.yml:10: unknown key 'serve.audit-logs[3].cursor' (expected one of: github-organization, github-enterprise, gitlab-instance, gitlab-group, gitlab-project, phrase, interval, since, per-page, token-env)",
            ],
            error.Problems);
    }
}
