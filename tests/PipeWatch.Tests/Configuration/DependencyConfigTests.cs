using PipeWatch.Configuration;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Engine;
using Xunit;

namespace PipeWatch.Tests.Configuration;

public sealed class DependencyConfigTests
{
    [Fact]
    public void Untrusted_source_registries_and_git_come_from_pipewatch_yml()
    {
        var config = ConfigLoader.Parse(
            """
            detectors:
              dependency.untrusted-source:
                registries: [registry.npmjs.org, npm.internal.example]
                allow-git: true
            """,
            "pipewatch.yml");

        Assert.Equal(["registry.npmjs.org", "npm.internal.example"], config.Options<UntrustedSourceOptions>().Registries);
        Assert.True(config.Options<UntrustedSourceOptions>().AllowGit);
    }

    [Fact]
    public void Without_a_section_the_public_registries_are_the_allowlist()
    {
        Assert.Equal(UntrustedSourceOptions.PublicRegistries, PipeWatchConfig.Default.Options<UntrustedSourceOptions>().Registries);
        Assert.False(PipeWatchConfig.Default.Options<UntrustedSourceOptions>().AllowGit);
    }
}
