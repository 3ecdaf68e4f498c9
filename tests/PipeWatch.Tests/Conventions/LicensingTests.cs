using System.Xml.Linq;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>What an organisation needs to adopt the tool: a licence, notices for what ships, metadata on the package.</summary>
public sealed class LicensingTests
{
    private static string Root => Corpus.RepositoryRoot;

    [Fact]
    public void The_licence_is_the_apache_2_0_text()
    {
        var licence = File.ReadAllText(Path.Combine(Root, "LICENSE"));

        Assert.Contains("Apache License", licence, StringComparison.Ordinal);
        Assert.Contains("Version 2.0, January 2004", licence, StringComparison.Ordinal);
        Assert.Contains("END OF TERMS AND CONDITIONS", licence, StringComparison.Ordinal);
        Assert.Contains("<PackageLicenseExpression>Apache-2.0</PackageLicenseExpression>", File.ReadAllText(Path.Combine(Root, "Directory.Build.props")), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_shipped_package_is_in_the_notices_with_its_pinned_version()
    {
        var notices = File.ReadAllText(Path.Combine(Root, "THIRD-PARTY-NOTICES"));
        var versions = XDocument.Load(Path.Combine(Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        var shipped = Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .SelectMany(p => XDocument.Load(p).Descendants("PackageReference"))
            .Select(r => (string)r.Attribute("Include")!)
            .Distinct()
            .ToList();

        Assert.NotEmpty(shipped);
        var missing = shipped.Where(name => !notices.Contains($"{name} {versions[name]} ", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"THIRD-PARTY-NOTICES lacks (name and pinned version): {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_embedded_data_set_is_in_the_notices()
    {
        var notices = File.ReadAllText(Path.Combine(Root, "THIRD-PARTY-NOTICES"));
        var data = Directory.GetFiles(Path.Combine(Root, "src"), "*.*", SearchOption.AllDirectories)
            .Where(p => p.EndsWith(".csv", StringComparison.Ordinal) || p.EndsWith(".tsv", StringComparison.Ordinal))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/'))
            .ToList();

        Assert.NotEmpty(data);
        Assert.All(data, path => Assert.Contains(path, notices, StringComparison.Ordinal));
    }

    [Fact]
    public void Warnings_are_errors_only_in_the_projects_own_ci()
    {
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        var strict = Assert.Single(props.Descendants("TreatWarningsAsErrors"));

        Assert.Equal("'$(PipeWatchStrictBuild)' == 'true'", (string?)strict.Parent!.Attribute("Condition"));
        Assert.Contains("PipeWatchStrictBuild=true", File.ReadAllText(Path.Combine(Root, ".ci", "run")), StringComparison.Ordinal);
        Assert.NotEqual("latest", props.Descendants("AnalysisLevel").Single().Value);
        Assert.Contains("\"rollForward\": \"latestPatch\"", File.ReadAllText(Path.Combine(Root, "global.json")), StringComparison.Ordinal);
    }
}
