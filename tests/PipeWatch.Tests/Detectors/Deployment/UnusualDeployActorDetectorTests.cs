using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Deployment;

public sealed class UnusualDeployActorDetectorTests : IDisposable
{
    private static readonly DateTimeOffset Anomaly = DeploymentHistory.Start.AddDays(44).AddHours(15).AddMinutes(30);

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Six_weeks_of_normal_deployments_by_the_usual_people_and_bots_raise_nothing()
    {
        var people = new DeploymentHistory().Normal(6, "alice", "bob");
        var bots = new DeploymentHistory().Normal(6, "github-actions[bot]");

        var first = await Ingest.RunAsync(_temp.File("people.db"), [people.Save(_temp.File("people.jsonl"))]);
        var second = await Ingest.RunAsync(_temp.File("bots.db"), [bots.Save(_temp.File("bots.jsonl"))]);

        Assert.Empty(first.Findings);
        Assert.Empty(second.Findings);
    }

    [Fact]
    public async Task An_account_that_never_deployed_there_is_reported()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        history.Deploy(Anomaly, "mallory", review: "approved");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        var finding = Assert.Single(result.Findings);
        // A first deploy alone is a behavioural signal: recorded with its weight, raised only with others (Alerting/Signals).
        Assert.Equal((Categories.UnusualDeployActor, "deployment.unusual-actor", Severity.Info), (finding.Category, finding.Rule, finding.Severity));
        Assert.Equal(("first-deploy", "25"), (finding.Evidence.Single(e => e.Name == "signal").Value, finding.Evidence.Single(e => e.Name == "weight").Value));
        Assert.Equal(new Entity("Codertocat/Hello-World", "deploy", Actor: "mallory", Environment: "production"), finding.Entity);
        Assert.Equal(
            "'mallory' never deployed 'Codertocat/Hello-World' to 'production' before: its 60 earlier deployments were by 2 account(s) (alice ×30, bob ×30).",
            finding.Explanation);
    }

    [Fact]
    public async Task A_person_deploying_what_only_a_bot_deployed_is_high()
    {
        var history = new DeploymentHistory().Normal(6, "github-actions[bot]");
        history.Deploy(Anomaly, "alice", review: "approved");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal((Categories.UnusualDeployActor, Severity.High, "alice"), (finding.Category, finding.Severity, finding.Entity.Actor));
        Assert.Equal(
            "'alice' never deployed 'Codertocat/Hello-World' to 'production' before: its 60 earlier deployments were by 1 account(s) (github-actions[bot] ×60). " +
            "'alice' is a person, and all 60 earlier deployments there were made by bots.",
            finding.Explanation);
    }

    [Fact]
    public async Task A_deployment_that_went_ahead_without_its_requested_approval_is_high()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        history.RequestReviewOfNext(Anomaly.AddMinutes(-5));
        // bob deploys at 15:00 (alice at 10:00): only the review is unusual.
        var run = history.Deploy(Anomaly, "bob");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal((Categories.UnusualDeployActor, Severity.High, run.ToString(System.Globalization.CultureInfo.InvariantCulture)), (finding.Category, finding.Severity, finding.Location.RunId));
        Assert.Equal($"Run {run} requested a review for 'production' and the deployment went ahead (in_progress) with no approval seen.", finding.Explanation);
    }

    [Fact]
    public async Task A_person_deploying_at_an_hour_they_never_deploy_is_reported()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        history.Deploy(DeploymentHistory.Start.AddDays(48).AddHours(3), "alice", review: "approved"); // Sunday 03:00 UTC

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal((Categories.UnusualDeployActor, Severity.Info, "alice", "unusual-hour"), (finding.Category, finding.Severity, finding.Entity.Actor, finding.Evidence.Single(e => e.Name == "signal").Value));
        Assert.Equal(
            "'alice' deployed 'Codertocat/Hello-World' to 'production' on Sunday 03:00 UTC; of their 30 earlier deployments (all repositories) " +
            "0 fell within 1 hour(s) of that time of week and 0 at 03:00 on any day; their busiest hours are Monday 10:00 ×6, Tuesday 10:00 ×6, Wednesday 10:00 ×6.",
            finding.Explanation);
    }

    [Fact]
    public async Task A_person_deploying_at_their_usual_hour_raises_nothing()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        history.Deploy(DeploymentHistory.Start.AddDays(45).AddHours(10).AddMinutes(30), "alice", review: "approved"); // Thursday 10:30 UTC

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_bot_deploying_at_night_is_not_held_to_working_hours()
    {
        var history = new DeploymentHistory().Normal(6, "github-actions[bot]");
        history.Deploy(DeploymentHistory.Start.AddDays(48).AddHours(3), "github-actions[bot]", review: "approved");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        Assert.Empty(result.Findings);
    }

    public void Dispose() => _temp.Dispose();
}
