using PipeWatch.Events;
using PipeWatch.Tests.Support;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.GitLab;

public sealed class GitLabDeploymentFormatTests
{
    [Fact]
    public async Task Deployment_hook_carries_environment_target_commit_and_user()
    {
        var (events, problems) = await ReadAsync(Corpus.File("gitlab-webhooks", "deployment.json"));

        Assert.Empty(problems);
        var e = Assert.Single(events);
        Assert.Equal(EventKind.Deployment, e.Kind);
        Assert.Equal("gitlab:deployment:15:success", e.Id);
        Assert.Equal(Utc("2021-04-28T19:50:00Z"), e.Timestamp);
        Assert.Equal((Outcome.Success, true), (e.Outcome, e.Completed));
        Assert.Equal(new DeploymentInfo("staging", "https://staging.example.com", Version: "279484c09fbe69ededfced8c1bb6e6d24616b468", State: "success"), e.Deployment);
        Assert.Equal("user1", e.UserName);
        Assert.Equal("root/test-deployment-webhooks", e.Ci.Repository);
        Assert.Equal("1.0.0", e.Ci.Branch);
        Assert.Equal("gitlab:root/test-deployment-webhooks:15", e.Fields[EventFields.DeploymentId]);
        Assert.Equal("796", e.Fields["gitlab.deployable_id"]);
        Assert.Equal("http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796", e.Url);
    }
}
