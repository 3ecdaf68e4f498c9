using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Advisories;

/// <summary>The lookup spelling of package names; for Maven, every Jenkins plugin group under one key, so a plugin's short name finds its advisories.</summary>
public sealed class PackageNamesTests
{
    [Theory]
    [InlineData("org.jenkins-ci.plugins:git-server", "org.jenkins-ci.plugins:git-server")]
    [InlineData("io.jenkins.plugins:miniorange-saml-sp", "org.jenkins-ci.plugins:miniorange-saml-sp")]
    [InlineData("org.jenkins-ci.plugins.workflow:workflow-cps", "org.jenkins-ci.plugins:workflow-cps")]
    [InlineData("org.jenkinsci.plugins:pipeline-model-definition", "org.jenkins-ci.plugins:pipeline-model-definition")]
    [InlineData("org.csanchez.jenkins.plugins:kubernetes", "org.jenkins-ci.plugins:kubernetes")]
    [InlineData("org.jvnet.hudson.plugins:ansicolor", "org.jenkins-ci.plugins:ansicolor")]
    [InlineData(" io.jenkins.blueocean:blueocean-core-js ", "org.jenkins-ci.plugins:blueocean-core-js")]
    public void Maven_packages_in_a_jenkins_group_are_looked_up_under_the_plugin_group(string name, string expected) =>
        Assert.Equal(expected, PackageNames.Normalize(Ecosystems.Maven, name));

    [Theory]
    [InlineData("org.jenkins-ci.main:jenkins-core")]
    [InlineData("org.apache.logging.log4j:log4j-core")]
    [InlineData("com.example.jenkinsfile:parser")]
    [InlineData("org.example:jenkins")]
    [InlineData("io.jenkins.plugins:")]
    [InlineData("no-group")]
    public void Other_maven_packages_keep_their_name(string name) => Assert.Equal(name, PackageNames.Normalize(Ecosystems.Maven, name));

    [Fact]
    public void The_same_artifact_in_another_ecosystem_is_not_folded() =>
        Assert.Equal("io.jenkins.plugins:foo", PackageNames.Normalize(Ecosystems.Npm, "io.jenkins.plugins:foo"));
}
