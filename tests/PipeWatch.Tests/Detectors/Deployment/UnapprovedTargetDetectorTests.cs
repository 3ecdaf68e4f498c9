using PipeWatch.Engine;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Deployment;

public sealed class UnapprovedTargetDetectorTests : IDisposable
{
    private const string Approved = """
        detectors:
          deployment.unapproved-target:
            approved:
              - repository: Codertocat/*
                environments: [production, staging]
                targets: [production, staging, "https://*.example.com"]
        """;

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Six_weeks_of_normal_deployments_raise_nothing()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))], ConfigLoader.Parse(Approved, "pipewatch.yml"));

        Assert.Empty(result.Problems);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public async Task Deployment_to_an_environment_off_the_approved_list_is_high()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        history.Deploy(DeploymentHistory.Start.AddDays(44).AddHours(11), "alice", environment: "prod-eu-backdoor", url: "https://203.0.113.9");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))], ConfigLoader.Parse(Approved, "pipewatch.yml"));

        // Created (target = environment) and success (target = the URL) name two targets of one deployment: one finding, from the first.
        var finding = Assert.Single(result.Findings);
        Assert.Equal((Categories.UnapprovedTarget, "deployment.unapproved-target", Severity.High), (finding.Category, finding.Rule, finding.Severity));
        Assert.Equal(new Entity("Codertocat/Hello-World", "deploy", Actor: "alice", Environment: "prod-eu-backdoor"), finding.Entity);
        Assert.Equal(
            "'Codertocat/Hello-World' deployed to environment 'prod-eu-backdoor', target 'prod-eu-backdoor', which is not on its approved list " +
            "(1 matching entry allow environments 'production', 'staging' and targets 'production', 'staging', 'https://*.example.com').",
            finding.Explanation);
    }

    [Fact]
    public async Task Without_a_list_a_never_used_environment_is_medium_once_the_repository_has_history()
    {
        var history = new DeploymentHistory().Normal(6, "alice", "bob");
        history.Deploy(DeploymentHistory.Start.AddDays(44).AddHours(11), "alice", environment: "shadow-prod", url: "https://app.example.com");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        var finding = Assert.Single(result.Findings);
        Assert.Equal((Categories.UnapprovedTarget, Severity.Medium, "shadow-prod"), (finding.Category, finding.Severity, finding.Entity.Environment));
        Assert.Equal(
            "'Codertocat/Hello-World' deployed to environment 'shadow-prod', target 'shadow-prod', for the first time: its 60 earlier deployments went to " +
            "2 known target(s) (production → production, production → https://app.example.com); no approved list covers it (minimum 10 deployments).",
            finding.Explanation);
    }

    [Fact]
    public async Task A_new_repository_is_not_reported_before_it_has_history()
    {
        var history = new DeploymentHistory();
        history.Deploy(DeploymentHistory.Start.AddHours(10), "alice", environment: "production");
        history.Deploy(DeploymentHistory.Start.AddHours(11), "alice", environment: "staging");

        var result = await Ingest.RunAsync(_temp.File("store.db"), [history.Save(_temp.File("deployments.jsonl"))]);

        Assert.Empty(result.Findings);
    }

    public void Dispose() => _temp.Dispose();
}
