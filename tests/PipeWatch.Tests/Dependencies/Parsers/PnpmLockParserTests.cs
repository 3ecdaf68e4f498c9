using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class PnpmLockParserTests
{
    private static readonly PnpmLockParser Parser = new();

    private static IReadOnlyList<Dependency> Read(string file) => Lockfile.Packages(Parser, "javascript", "pnpmlock", file);

    [Theory]
    [InlineData("commits.v9.yaml", 2)]
    [InlineData("multiple-packages.yaml", 14)]
    [InlineData("mixed-groups.v53.yaml", 3)]
    [InlineData("mixed-groups.v6.yaml", 3)]
    [InlineData("mixed-groups.v9.yaml", 3)]
    [InlineData("no-packages.v9.yaml", 0)]
    [InlineData("peer-dependencies-advanced.yaml", 9)]
    [InlineData("peer-dependencies-advanced.v9.yaml", 13)]
    [InlineData("scoped-packages-v6-lockfile.yaml", 1)]
    public void Counts_every_package(string file, int count) => Assert.Equal(count, Read(file).Count);

    [Fact]
    public void Version_9_keys_name_at_version_with_integrity()
    {
        var acorn = Assert.Single(Read("one-package.v9.yaml"));

        Assert.Equal(("acorn", "8.11.3", 17), (acorn.Name, acorn.Version, acorn.Line));
        Assert.Equal("sha512-Y9rRfJG5jcKOE0CLisYbojUjIrIEE7AGMzA/Sm4BslANhbS+cDMpgBdcPT91oJ7OuJ9hYJBx59RjbhxVnrF8Xg==", acorn.Integrity);
    }

    [Fact]
    public void Version_6_keys_and_their_dependencies()
    {
        var envify = Read("peer-dependencies-v6.yaml").Single("loose-envify", "1.4.0");

        Assert.Equal(["js-tokens"], envify.Requires);
    }

    [Fact]
    public void Tarball_and_codeload_resolutions_are_sources()
    {
        var tarball = Assert.Single(Read("tarball.yaml"));
        // A GitLab package registry URL has a registry's "/-/" layout: a registry, on a host the allowlist decides about.
        Assert.Equal(("@my-org/my-package", "3.2.3", SourceKind.Registry), (tarball.Name, tarball.Version, tarball.Source.Kind));
        Assert.StartsWith("https://gitlab.my-org.org/api/v4/projects/1/packages/npm/", tarball.Source.Location, StringComparison.Ordinal);
        Assert.True(tarball.Dev);
        var regex = Read("commits.v9.yaml").Single("ansi-regex", "6.0.1");
        Assert.Equal(new DependencySource(SourceKind.Git, "https://codeload.github.com/chalk/ansi-regex/tar.gz/02fa893d619d3da85411acc8fd4e2eea0e95a9d9"), regex.Source);
        Assert.True(regex.Direct);
    }

    [Fact]
    public void Text_that_is_not_yaml_is_a_problem() => Assert.Single(Lockfile.Read(Parser, "javascript", "pnpmlock", "not-yaml.txt").Problems);
}
