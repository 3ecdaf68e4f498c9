using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class PomXmlParserTests
{
    private static readonly PomXmlParser Parser = new();

    private static IReadOnlyList<Dependency> Read(string file) => Lockfile.Packages(Parser, "java", "pomxml", file);

    [Theory]
    [InlineData("empty.xml", 0)]
    [InlineData("one-package.xml", 1)]
    [InlineData("two-packages.xml", 2)]
    [InlineData("transitive.xml", 4)]
    [InlineData("with-dependency-management.xml", 4)]
    [InlineData("with-parent.xml", 6)]
    [InlineData("with-scope.xml", 2)]
    [InlineData("plugin-dependency.xml", 1)]
    public void Counts_declared_dependencies_but_not_those_of_plugins(string file, int count) => Assert.Equal(count, Read(file).Count);

    [Fact]
    public void Properties_are_interpolated_and_ranges_kept_as_written()
    {
        Assert.Equal(
            ["org.mine:mypackage@1.0.0", "org.mine:my.package@2.3.4", "org.mine:ranged-package@[9.4.35.v20201120,9.5)"],
            Read("interpolation.xml").Select(d => $"{d.Name}@{d.Version}"));
    }

    [Fact]
    public void Managed_versions_are_not_direct()
    {
        var packages = Read("with-dependency-management.xml");

        Assert.True(packages.Single("io.netty:netty-all", "4.1.9").Direct);
        Assert.False(packages.Single("io.netty:netty-all", "4.1.42.Final").Direct);
        Assert.Equal(Ecosystems.Maven, packages[0].Ecosystem);
    }

    [Fact]
    public void Invalid_xml_is_a_problem_with_its_line() => Assert.NotNull(Lockfile.Refused(Parser, "java", "pomxml", "invalid-syntax.xml").Line);
}
