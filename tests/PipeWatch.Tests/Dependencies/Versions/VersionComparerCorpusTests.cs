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
        { "alpine", "alpine-versions-generated.txt" },
        { "redhat", "redhat-versions.txt" },
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
            "alpine" => AlpineComparer.Instance,
            "redhat" => RpmComparer.Instance,
            _ => DebianComparer.Instance,
        };

        Assert.True(VersionOrdering.Count(file) > 10);
        Assert.Empty(VersionOrdering.Violations(comparer, file));
    }

    [Fact]
    public void Alpine_orders_the_curated_list_but_two_invalid_versions_after_a_dot_letter()
    {
        // "0.8.21.r2" puts a letter where a number part starts: apk calls it invalid. The corpus still orders these two pairs by
        // what follows the letter, which this comparer does not: once both sides are invalid at the same place they are equal.
        Assert.True(VersionOrdering.Count("alpine-versions.txt") > 100);
        Assert.Equal(
            [
                "alpine-versions.txt:18: 0...1...0.r1 < 0...1...0.r2 (got 0/0)",
                "alpine-versions.txt:22: 0.8.21.r2 > 0.8.21.r1 (got 0/0)",
            ],
            VersionOrdering.Violations(AlpineComparer.Instance, "alpine-versions.txt"));
    }
}
