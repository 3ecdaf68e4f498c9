using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Support.AuditHistory;

namespace PipeWatch.Tests.Detectors.Secrets;

public sealed class UnauthorizedSecretAccessDetectorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Four_weeks_of_normal_activity_raise_nothing()
    {
        var result = await RunAsync(_temp.File("store.db"), Normal());

        Assert.Empty(result.Problems);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_workflow_that_never_touched_the_secrets_changing_one_is_reported_naming_the_baseline()
    {
        var events = Normal();
        events.Add(Audit("repo.update_actions_secret", "github-actions[bot]", After.AddHours(2), fields: [("github.name", "NPM_TOKEN"), ("github.workflow_run_id", "11873400213")]));

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Categories.UnauthorizedSecretAccess, finding.Category);
        Assert.Equal("secrets.unauthorized-access", finding.Rule);
        // A first touch of the secrets alone is a behavioural signal: recorded with its weight, raised only with others (Alerting/Signals).
        Assert.Equal((Severity.Info, "new-secret-actor", "30"), (finding.Severity, finding.Evidence.Single(e => e.Name == "signal").Value, finding.Evidence.Single(e => e.Name == "weight").Value));
        Assert.Equal(Repo, finding.Entity.Repository);
        Assert.Equal("github-actions[bot]", finding.Entity.Actor);
        Assert.Equal("11873400213", finding.Location.RunId);
        Assert.Equal(
            "'github-actions[bot]' did 'repo.update_actions_secret' 'NPM_TOKEN' from workflow run 11873400213 on acme-inc/payments-api; " +
            "in 12 secret events of its baseline, only 2 actors touched its secrets: alice-sre (8), bob-dev (4).",
            finding.Explanation);
    }

    [Fact]
    public async Task A_new_actor_is_silent_until_the_key_has_min_samples()
    {
        var events = Normal().Where(e => e.Timestamp < Start.AddDays(7)).ToList();
        events.Add(Audit("org.update_actions_secret", "mallory", Start.AddDays(7), fields: [("github.name", "AWS_SECRET")]));

        var result = await RunAsync(_temp.File("store.db"), events);

        Assert.Empty(result.Findings);
    }

    [Theory]
    [InlineData("secret_scanning.disable", "Secret scanning disabled by 'alice-sre'")]
    [InlineData("repository_secret_scanning_push_protection.disable", "Secret scanning disabled by 'alice-sre'")]
    [InlineData("repository_secret_scanning_push_protection.bypass", "Secret scanning bypassed by 'alice-sre'")]
    [InlineData("audit_log_streaming.update", "Audit-log streaming changed by 'alice-sre'")]
    public async Task Turning_off_the_watchers_is_always_high(string action, string title)
    {
        var events = Normal();
        events.Add(Alice.Does(action, After.AddHours(15)));

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Categories.UnauthorizedSecretAccess, finding.Category);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal(title, finding.Title);
        Assert.Contains($"'alice-sre' did '{action}' on acme-inc/payments-api", finding.Explanation);
    }

    [Fact]
    public async Task A_new_token_with_broad_scopes_is_high_and_a_narrow_one_is_silent()
    {
        var events = Normal();
        events.Add(Alice.Does("personal_access_token.access_granted", After.AddHours(15), ("github.token_scopes", "read:org,repo,workflow")));
        events.Add(Alice.Does("oauth_authorization.create", After.AddHours(16), ("github.token_scopes", "read:user")));

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("New personal access token by 'alice-sre'", finding.Title);
        Assert.Contains("its scopes include repo, workflow", finding.Explanation);
        Assert.Equal(["T1098.001"], finding.Techniques);
    }

    [Fact]
    public async Task A_deploy_key_that_can_push_is_high()
    {
        var events = Normal();
        events.Add(Bob.Does("deploy_key.create", After.AddHours(9), ("github.read_only", "false")));

        var result = await RunAsync(_temp.File("store.db"), events);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Contains("it can push", finding.Explanation);
    }

    public void Dispose() => _temp.Dispose();
}
