using System.Text.RegularExpressions;
using PipeWatch.Detectors.Access;
using PipeWatch.Detectors.CodeChange;
using PipeWatch.Detectors.Deployment;
using PipeWatch.Engine;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>What the documentation promises, checked: the config example of docs/configuration.md is valid.</summary>
public sealed partial class ReadmeTests
{
    [Fact]
    public void The_config_example_in_the_configuration_docs_is_valid()
    {
        var readme = File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "docs", "configuration.md"));
        var example = YamlBlock().Matches(readme).Select(m => m.Groups[1].Value).Single(b => b.Contains("detectors:", StringComparison.Ordinal));

        var config = ConfigLoader.Parse(example, "docs/configuration.md");

        Assert.Equal(5, config.Options<ExcessiveFrequencyOptions>().BurstCount);
        Assert.Equal(["hooks.slack.com"], config.Options<PermissionWidenedOptions>().WebhookDomains);
        Assert.Single(config.Allow);
        Assert.Equal(["alice@acme.example", "release-bot*"], Assert.Single(config.Options<UnauthorizedAuthorOptions>().Authors).Allow);
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
