using PipeWatch.Events;
using Xunit;
using static PipeWatch.Tests.Sources.PayloadFiles;

namespace PipeWatch.Tests.Sources.JsonLines;

public sealed class GenericDeploymentFormatTests
{
    [Fact]
    public async Task Each_record_is_a_deployment_and_lines_of_one_run_share_its_id()
    {
        var (events, problems) = await ReadAsync(Fixture("JsonLines", "deployments.jsonl"));

        Assert.Empty(problems);
        Assert.Equal(3, events.Count);
        var (started, done, staging) = (events[0], events[1], events[2]);
        Assert.Equal(started.Fields[EventFields.DeploymentId], done.Fields[EventFields.DeploymentId]);
        Assert.NotEqual(started.Id, done.Id);
        Assert.Equal(new DeploymentInfo("production", "k8s://prod-eu-1/payments", "payments-api", "2.14.1", "success"), done.Deployment);
        Assert.Equal(new CiContext("payments-api", "payments-cd", "8812", Platform: "generic"), done.Ci);
        Assert.Equal(("deploy-bot", Outcome.Success, true), (done.UserName, done.Outcome, done.Completed));
        Assert.Equal((Outcome.Unknown, false), (started.Outcome, started.Completed));
        Assert.Equal(Utc("2026-03-02T10:02:00Z"), staging.Timestamp);
        Assert.Equal((Outcome.Failure, 3), (staging.Outcome, staging.Origin.Line));
    }
}
