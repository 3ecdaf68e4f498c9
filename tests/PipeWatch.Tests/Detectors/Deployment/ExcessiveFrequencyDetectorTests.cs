using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Deployment;

public sealed class ExcessiveFrequencyDetectorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    /// <summary>Wednesday of the seventh week, 10:00 UTC: an hour with one deployment on every earlier Wednesday.</summary>
    private static readonly DateTimeOffset Anomaly = DeploymentHistory.Start.AddDays(44).AddHours(10);

    [Fact]
    public async Task Six_weeks_of_normal_deployments_raise_nothing()
    {
        var history = new DeploymentHistory().Normal(7, "alice", "bob");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        Assert.Equal(70, history.Count);
        Assert.Empty(result.Problems);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Many_deployments_in_an_hour_that_usually_has_one_are_reported_once()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        for (var i = 0; i < 8; i++) history.Deploy(Anomaly.AddMinutes(i * 7), "alice", review: "approved");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal((Categories.ExcessiveFrequency, "deployment.excessive-frequency", Severity.Medium), (finding.Category, finding.Rule, finding.Severity));
        Assert.Equal(new Entity("Codertocat/Hello-World", "deploy", Actor: "alice", Environment: "production"), finding.Entity);
        Assert.Equal(
            "'Codertocat/Hello-World' deployed to 'production' 4 times in the hour from 2026-10-21 10:00 UTC (Wednesday 10:00). " +
            "The same hour of the week (±1 hour) over the previous 6 weeks had a mean of 0.33 deployments (max 1, 18 hours); " +
            "more than 3 in an hour has a Poisson probability below 0.001 (minimum 4).",
            finding.Explanation);
    }

    [Fact]
    public async Task Status_events_of_one_deployment_count_once()
    {
        // Three deployments in the hour, each with created, in_progress and success events: nine events, three deployments.
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        for (var i = 0; i < 3; i++) history.Deploy(Anomaly.AddMinutes(20 + (i * 10)), "alice", review: "approved");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task A_burst_fires_whatever_the_hourly_model_allows()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        // At 15:00, bob's usual hour: the burst is the only thing unusual about these deployments.
        for (var i = 0; i < 5; i++) history.Deploy(Anomaly.AddHours(5).AddMinutes(i * 2), "bob", review: "approved");
        var config = ConfigLoader.Parse("detectors:\n  deployment.excessive-frequency:\n    min-count: 50\n", "pipewatch.yml");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))], config);

        var finding = Assert.Single(result.Findings);
        Assert.Equal(Categories.ExcessiveFrequency, finding.Category);
        Assert.EndsWith("A burst: 5 deployments within 10m 00s (threshold 5 within 10m 00s).", finding.Explanation);
    }

    public void Dispose() => _temp.Dispose();
}
