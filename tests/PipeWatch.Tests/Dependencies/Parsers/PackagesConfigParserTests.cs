using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class PackagesConfigParserTests
{
    private static readonly PackagesConfigParser Parser = new();

    [Fact]
    public void Reads_every_package_as_direct_with_its_line()
    {
        var packages = Lockfile.Packages(Parser, "dotnet", "packagesconfig", "valid");

        Assert.Equal(2, packages.Count);
        Assert.Equal(3, packages.Single("Microsoft.CodeDom.Providers.DotNetCompilerPlatform", "1.0.0").Line);
        var compilers = packages.Single("Microsoft.Net.Compilers", "1.0.0");
        Assert.True(compilers.Direct);
        Assert.True(compilers.Dev);
    }

    [Theory]
    [InlineData("nopackage", "<package> without an id", 4)]
    [InlineData("noversion", "<package> without a version", 4)]
    public void An_entry_without_id_or_version_is_a_problem_and_the_rest_is_kept(string file, string reason, int line)
    {
        var parse = Lockfile.Read(Parser, "dotnet", "packagesconfig", file);

        Assert.Equal("Microsoft.CodeDom.Providers.DotNetCompilerPlatform", Assert.Single(parse.Dependencies).Name);
        var problem = Assert.Single(parse.Problems);
        Assert.Equal((reason, line), (problem.Reason, problem.Line));
    }

    [Fact]
    public void Text_that_is_not_xml_is_a_problem_with_its_line() =>
        Assert.Equal(1, Lockfile.Refused(Parser, "dotnet", "packagesconfig", "invalid").Line);
}
