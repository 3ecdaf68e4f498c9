using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitHub;

public sealed class GitHubDeploymentFormatTests
{
    private const string Sha = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

    [Fact]
    public async Task Deployment_created_carries_environment_version_creator_and_ids()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "deployment", "payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal(EventKind.Deployment, e.Kind);
        Assert.Equal("github:deployment:145988746:created", e.Id);
        Assert.Equal("github.deployment", e.Dataset);
        Assert.Equal(Utc("2019-05-15T15:20:53Z"), e.Timestamp);
        Assert.Equal(new DeploymentInfo("production", "production", Version: Sha, State: "created"), e.Deployment);
        Assert.Equal("Codertocat", e.UserName);
        Assert.Equal(CiContext.ForRepository("Codertocat/Hello-World", "github") with { Branch = "master", Commit = Sha }, e.Ci);
        Assert.Equal("github:145988746", e.Fields[EventFields.DeploymentId]);
        Assert.Equal("145988746", e.Fields["github.deployment.id"]);
        Assert.Equal("deploy", e.Fields["github.deployment.task"]);
        Assert.Equal("Codertocat", e.Fields["github.sender"]);
        Assert.Equal("user", e.Fields[EventFields.UserType]);
    }

    [Fact]
    public async Task Deployment_made_by_a_workflow_carries_the_run_and_the_bot_creator()
    {
        var (events, _) = await ReadAsync(Corpus.File("github-webhooks", "deployment", "gh-pages.payload.json"));

        var e = Assert.Single(events);
        Assert.Equal(new CiContext("Codertocat/Hello-World", "pages build and deployment", "289782451", 1, null, "gh-pages", Sha, "github"), e.Ci);
        Assert.Equal("github-pages", e.Deployment!.Environment);
        Assert.Equal("github-pages[bot]", e.UserName);
        Assert.Equal("bot", e.Fields[EventFields.UserType]);
        Assert.Equal("Codertocat", e.Fields["github.sender"]);
        Assert.Equal("Octocoders", e.Organization);
    }

    [Fact]
    public async Task Deployment_status_is_the_same_deployment_in_a_new_state()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "deployment_status", "payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal("github:deployment_status:209916254:success", e.Id);
        Assert.Equal("github.deployment_status", e.Dataset);
        Assert.Equal((Outcome.Success, true, "success"), (e.Outcome, e.Completed, e.Action));
        Assert.Equal(Utc("2019-05-15T15:20:55Z"), e.Timestamp);
        Assert.Equal(new DeploymentInfo("production", "production", Version: Sha, State: "success"), e.Deployment);
        Assert.Equal("github:145988746", e.Fields[EventFields.DeploymentId]);
        Assert.Equal("209916254", e.Fields["github.deployment_status.id"]);
        Assert.Equal("Codertocat", e.UserName);
    }

    [Fact]
    public async Task In_progress_status_of_a_pages_deployment_is_not_completed()
    {
        var (events, _) = await ReadAsync(Corpus.File("github-webhooks", "deployment_status", "gh-pages.payload.json"));

        var e = Assert.Single(events);
        Assert.Equal((Outcome.Unknown, false, "in_progress"), (e.Outcome, e.Completed, e.Deployment!.State));
        Assert.Equal("289782451", e.Ci.RunId);
        Assert.Equal("https://github.com/CorsixTH/CorsixTH/runs/4687056418?check_suite_focus=true", e.Url);
    }

    [Fact]
    public async Task Review_requested_names_the_environment_requestor_and_reviewers()
    {
        var (events, problems) = await ReadAsync(Corpus.File("github-webhooks", "deployment_review", "requested.payload.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal("github.deployment_review", e.Dataset);
        Assert.Equal("requested", e.Fields[EventFields.DeploymentReview]);
        Assert.Equal("team:admins", e.Fields["github.deployment_review.reviewers"]);
        Assert.Equal(new DeploymentInfo("TST", "TST", State: "review_requested"), e.Deployment);
        Assert.Equal("ilmax", e.UserName);
        Assert.Equal("5453085689", e.Ci.RunId);
        Assert.Equal(Utc("2023-07-04T09:28:15Z"), e.Timestamp);
        Assert.False(e.Fields.ContainsKey(EventFields.DeploymentId));
    }

    [Fact]
    public async Task Review_approved_names_the_approver()
    {
        var (events, problems) = await ReadAsync(Fixture("GitHub", "deployment-review-approved.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal("approved", e.Fields[EventFields.DeploymentReview]);
        Assert.Equal("octocat-admin", e.Fields["github.deployment_review.approver"]);
        Assert.Equal("octocat-admin", e.UserName);
        Assert.Equal("TST", e.Deployment!.Environment);
        Assert.Equal(Utc("2023-07-04T09:31:02Z"), e.Timestamp);
    }
}
