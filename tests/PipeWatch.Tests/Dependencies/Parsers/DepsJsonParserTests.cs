using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class DepsJsonParserTests
{
    private static readonly DepsJsonParser Parser = new();

    [Fact]
    public void Reads_package_libraries_and_marks_those_the_project_names_as_direct()
    {
        var packages = Lockfile.Packages(Parser, "dotnet", "depsjson", "valid");

        Assert.Equal(["AWSSDK.Core@3.7.10.6", "Microsoft.Extensions.DependencyInjection@6.0.0"], packages.Select(p => $"{p.Name}@{p.Version}"));
        var di = packages.Single("Microsoft.Extensions.DependencyInjection", "6.0.0");
        Assert.True(di.Direct);
        Assert.Equal("sha512-k6PWQMuoBDGGHOQTtyois2u4AwyVcIwL2LaSLlTZQm2CYcJ1pxbt6jfAnpWmzENA/wfrYRI/X9DTLoUkE4AsLw==", di.Integrity);
        Assert.False(packages.Single("AWSSDK.Core", "3.7.10.6").Direct);
    }

    [Fact]
    public void A_library_without_a_version_is_a_problem_and_the_rest_is_kept()
    {
        var parse = Lockfile.Read(Parser, "dotnet", "depsjson", "nopackagename");

        Assert.Equal("AWSSDK.Core", Assert.Single(parse.Dependencies).Name);
        Assert.Contains("'Microsoft.Extensions.DependencyInjection' is not 'name/version'", Assert.Single(parse.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_object_has_no_packages() => Assert.Empty(Lockfile.Packages(Parser, "dotnet", "depsjson", "empty"));

    [Fact]
    public void Text_that_is_not_json_is_a_problem() => Assert.Equal(1, Lockfile.Refused(Parser, "dotnet", "depsjson", "invalid").Line);
}
