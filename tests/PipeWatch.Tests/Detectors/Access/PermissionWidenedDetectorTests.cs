using PipeWatch.Configuration;
using PipeWatch.Detectors.Access;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Support.AuditHistory;

namespace PipeWatch.Tests.Detectors.Access;

public sealed class PermissionWidenedDetectorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public static TheoryData<string, string, string, string[]> Changes => new()
    {
        { "org.update_member", "new-admin", "'bob-dev' did 'org.update_member' giving 'eve-contractor' admin rights (was member) on acme-inc/payments-api", ["T1098", "T1078"] },
        { "org.add_outside_collaborator", "outside-collaborator", "'bob-dev' did 'org.add_outside_collaborator' adding 'eve-contractor' with admin permission to acme-inc/payments-api", ["T1098"] },
        { "protected_branch.destroy", "branch-protection-removed", "'bob-dev' did 'protected_branch.destroy' for 'main' on acme-inc/payments-api", ["T1562.001"] },
        { "repo.access", "made-public", "'bob-dev' did 'repo.access' making acme-inc/payments-api public (was private)", ["T1567"] },
        { "hook.create", "webhook-outside", "'bob-dev' did 'hook.create' on acme-inc/payments-api sending events to https://webhook.site/3f6a2c1e", ["T1020", "T1567"] },
    };

    [Fact]
    public async Task Four_weeks_of_normal_activity_with_routine_admin_changes_raise_nothing()
    {
        var events = Normal();
        events.Add(Change("org.update_member", ("github.permission", "member")));
        events.Add(Change("repo.access", ("github.visibility", "private")));
        events.Add(Change("hook.create", ("github.config.url", "https://hooks.slack.com/services/T000/B000/XXXX")));

        var result = await RunAsync(_temp.File("store.db"), events, PipeWatchConfig.Default.With(new PermissionWidenedOptions { WebhookDomains = ["slack.com"] }));

        Assert.Empty(result.Problems);
        Assert.Empty(result.Findings);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task Each_change_that_widens_reach_is_one_finding(string action, string kind, string explanation, string[] techniques)
    {
        var events = Normal();
        events.Add(Change(action, ("github.permission", "admin"), ("github.old_permission", "member"), ("github.name", "main"),
            ("github.visibility", "public"), ("github.previous_visibility", "private"), ("github.config.url", "https://webhook.site/3f6a2c1e")));

        var result = await RunAsync(_temp.File("store.db"), events, PipeWatchConfig.Default.With(new PermissionWidenedOptions { WebhookDomains = ["slack.com"] }));

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Categories.PermissionWidened, finding.Category);
        Assert.Equal("access.permission-widened", finding.Rule);
        Assert.Equal(kind, finding.Evidence.Single(x => x.Name == "change").Value);
        Assert.Equal("bob-dev", finding.Entity.Actor);
        Assert.StartsWith(explanation, finding.Explanation);
        Assert.Equal(techniques, finding.Techniques);
    }

    private static Event Change(string action, params (string Name, string Value)[] fields) =>
        Audit(action, Bob.Login, After.AddHours(11), Bob.Country, Bob.Ip, target: "eve-contractor", fields: fields);

    public void Dispose() => _temp.Dispose();
}
