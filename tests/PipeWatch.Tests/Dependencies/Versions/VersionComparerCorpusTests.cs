using PipeWatch.Dependencies.Versions;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Versions;

/// <summary>Each ecosystem's comparer against the corpus's real ordered version lists.</summary>
public sealed class VersionComparerCorpusTests
{
    public static TheoryData<string, string> Files => new()
    {
        { "semver", "semver-versions.txt" },
        { "nuget", "nuget-versions.txt" },
        { "pypi", "pypi-versions.txt" },
        { "pypi", "pypi-versions-generated.txt" },
        { "maven", "maven-versions.txt" },
        { "maven", "maven-versions-generated.txt" },
        { "rubygems", "rubygems-versions.txt" },
        { "rubygems", "rubygems-versions-generated.txt" },
        { "packagist", "packagist-versions.txt" },
        { "packagist", "packagist-versions-generated.txt" },
        { "debian", "debian-versions.txt" },
        { "debian", "debian-versions-generated.txt" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Orders_every_listed_pair_as_the_corpus_says(string scheme, string file)
    {
        IComparer<string> comparer = scheme switch
        {
            "semver" => SemverComparer.Instance,
            "nuget" => NuGetVersionComparer.Instance,
            "pypi" => Pep440Comparer.Instance,
            "maven" => MavenComparer.Instance,
            "rubygems" => RubyGemsComparer.Instance,
            "packagist" => PackagistComparer.Instance,
            _ => DebianComparer.Instance,
        };

        Assert.True(VersionOrdering.Count(file) > 10);
        Assert.Empty(VersionOrdering.Violations(comparer, file));
    }
}
