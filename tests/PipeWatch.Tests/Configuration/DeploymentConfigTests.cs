using PipeWatch.Configuration;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Engine;
using Xunit;

namespace PipeWatch.Tests.Configuration;

public sealed class DeploymentConfigTests
{
    private const string File = "pipewatch.yml";

    [Fact]
    public void Every_deployment_key_maps_to_its_option()
    {
        var config = ConfigLoader.Parse(
            """
            detectors:
              deployment.unapproved-target:
                min-samples: 20
                approved:
                  - repository: acme/*
                    environments: [production, staging]
                    targets: "https://*.acme.example"
              deployment.excessive-frequency:
                weeks: 6
                min-weeks: 2
                min-count: 6
                probability: 0.0001
                burst-count: 8
                burst-window: 15m
              deployment.unusual-actor:
                enabled: false
                min-samples: 30
                bots: [deploy-user, "svc-*"]
            """,
            File);

        Assert.Equal(20, config.Options<UnapprovedTargetOptions>().MinimumSamples);
        var entry = Assert.Single(config.Options<UnapprovedTargetOptions>().Approved);
        Assert.Equal("acme/*", entry.Repository);
        Assert.Equal(["production", "staging"], entry.Environments);
        Assert.Equal(["https://*.acme.example"], entry.Targets);
        Assert.Equal(
            new ExcessiveFrequencyOptions { Weeks = 6, MinimumWeeks = 2, MinimumCount = 6, Probability = 0.0001, BurstCount = 8, BurstWindow = TimeSpan.FromMinutes(15) },
            config.Options<ExcessiveFrequencyOptions>());
        Assert.Equal(30, config.Options<UnusualDeployActorOptions>().MinimumSamples);
        Assert.Equal(["deploy-user", "svc-*"], config.Options<UnusualDeployActorOptions>().Bots);
        Assert.Contains("deployment.unusual-actor", config.Disabled);
    }

    [Fact]
    public void Top_level_min_samples_applies_to_the_deployment_detectors()
    {
        var config = ConfigLoader.Parse("min-samples: 25", File);

        Assert.Equal((25, 25), (config.Options<UnapprovedTargetOptions>().MinimumSamples, config.Options<UnusualDeployActorOptions>().MinimumSamples));
    }

    [Fact]
    public void Every_problem_of_the_deployment_keys_names_file_line_and_key()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """
            detectors:
              deployment.unapproved-target:
                approved:
                  - environments: [production]
                  - repository: acme/*
                  - repository: acme/web
                    targts: [x]
              deployment.excessive-frequency:
                weeks: 2
                min-weeks: 4
                probability: 2
              deployment.unusual-actor:
                bots: {a: b}
            """,
            File));

        Assert.Equal(
            [
                "pipewatch.yml:4: detectors.deployment.unapproved-target.approved[0]: missing 'repository' (a glob such as 'octo-org/*')",
                "pipewatch.yml:5: detectors.deployment.unapproved-target.approved[1]: approves everything; give 'environments', 'targets' or both",
                "pipewatch.yml:7: unknown key 'detectors.deployment.unapproved-target.approved[2].targts' (expected one of: repository, environments, targets)",
                "pipewatch.yml:6: detectors.deployment.unapproved-target.approved[2]: approves everything; give 'environments', 'targets' or both",
                "pipewatch.yml:11: detectors.deployment.excessive-frequency.probability: expected a number from 1E-09 to 0.5, got '2'",
                "pipewatch.yml:9: detectors.deployment.excessive-frequency: min-weeks (4) cannot exceed weeks (2): the hourly rule could never fire",
                "pipewatch.yml:13: detectors.deployment.unusual-actor.bots: expected a list of values",
            ],
            error.Problems);
    }
}
