using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class MsBuildPackageReferenceParserTests
{
    private static readonly MsBuildPackageReferenceParser Parser = new();

    [Theory]
    [InlineData("csproj")]
    [InlineData("nugetcpm")]
    public void Reads_a_versioned_package_reference(string folder)
    {
        var liteDb = Assert.Single(Lockfile.Packages(Parser, "dotnet", folder, "valid"));

        Assert.Equal(new Dependency(Ecosystems.NuGet, "LiteDB", "5.0.12", true, new DependencySource(SourceKind.Registry), null, 3), liteDb);
    }

    [Theory]
    [InlineData("csproj", "noversion")]
    [InlineData("csproj", "emptyversion")]
    [InlineData("nugetcpm", "noversion")]
    public void A_reference_without_a_version_is_left_to_central_package_management(string folder, string file)
    {
        var parse = Lockfile.Read(Parser, "dotnet", folder, file);

        Assert.Empty(parse.Dependencies);
        Assert.Empty(parse.Problems);
    }

    [Theory]
    [InlineData("csproj", "nopackage")]
    [InlineData("csproj", "emptyinclude")]
    [InlineData("nugetcpm", "emptyinclude")]
    public void A_reference_without_a_package_id_is_a_problem_with_its_line(string folder, string file) =>
        Assert.Equal(3, Lockfile.Refused(Parser, "dotnet", folder, file).Line);

    [Fact]
    public void Central_package_versions_and_exact_ranges_are_read()
    {
        var parse = Parser.Parse("Directory.Packages.props", """
            <Project>
              <ItemGroup>
                <PackageVersion Include="Newtonsoft.Json" Version="[13.0.1]" />
                <PackageVersion Include="Serilog">
                  <Version>3.1.1</Version>
                </PackageVersion>
              </ItemGroup>
            </Project>
            """);

        Assert.Equal(["Newtonsoft.Json@13.0.1", "Serilog@3.1.1"], parse.Dependencies.Select(d => $"{d.Name}@{d.Version}"));
        Assert.True(Parser.Recognizes("src/App/App.csproj"));
        Assert.True(Parser.Recognizes("Directory.Packages.props"));
    }

    [Fact]
    public void Text_that_is_not_xml_is_a_problem() =>
        Assert.Equal(1, Lockfile.Refused(Parser, "dotnet", "csproj", "invalid").Line);
}
