using PipeWatch.Events;
using PipeWatch.Sources.ArgoCd;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.ArgoCd;

public sealed class ArgoCdApplicationFormatTests
{
    private const string Revision = "53e28ff20cc530b9ada2173fbbd64d48338583ba";

    [Fact]
    public async Task Manual_sync_is_a_deployment_by_its_user_to_the_destination()
    {
        var (events, problems) = await ReadAsync(Fixture("ArgoCd", "application-synced.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal(EventKind.Deployment, e.Kind);
        Assert.Equal(Utc("2026-03-02T10:15:42Z"), e.Timestamp);
        Assert.Equal(new DeploymentInfo("guestbook", "https://kubernetes.default.svc/guestbook", "guestbook", Revision, "Succeeded"), e.Deployment);
        Assert.Equal(new CiContext("argoproj/argocd-example-apps", "guestbook", "", Commit: Revision, Platform: "argocd"), e.Ci);
        Assert.Equal(("admin", Outcome.Success, true), (e.UserName, e.Outcome, e.Completed));
        Assert.Equal("Synced", e.Fields["argocd.sync_status"]);
        Assert.Equal("default", e.Fields["argocd.project"]);
    }

    [Fact]
    public async Task Automated_sync_is_by_the_controller_and_marked_as_a_bot()
    {
        var (events, _) = await ReadAsync(Fixture("ArgoCd", "application-auto-sync-failed.json"));

        var e = Assert.Single(events);
        Assert.Equal(ArgoCdApplicationFormat.AutomatedActor, e.UserName);
        Assert.Equal("bot", e.Fields[EventFields.UserType]);
        Assert.Equal(Outcome.Failure, e.Outcome);
        Assert.Equal("OutOfSync", e.Fields["argocd.sync_status"]);
    }
}
