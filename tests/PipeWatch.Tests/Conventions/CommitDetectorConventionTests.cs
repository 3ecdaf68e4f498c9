using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>The house rules for commit detectors, as for detectors: registered, tested, documented, ids unique and in the taxonomy.</summary>
public sealed class CommitDetectorConventionTests
{
    private static readonly IReadOnlyList<ICommitDetector> Detectors = BuiltInDetectors.ForScan(PipeWatchConfig.Default, SecretRuleBook.BuiltIn);

    public static TheoryData<string> DetectorTypes => [.. Detectors.Select(a => a.GetType().Name).Distinct()];

    [Fact]
    public void Detector_ids_are_unique_and_categories_are_in_the_taxonomy()
    {
        Assert.NotEmpty(Detectors);
        Assert.Equal(Detectors.Count, Detectors.Select(a => a.Info.Id).Distinct().Count());
        Assert.All(Detectors, a => Assert.True(Categories.IsKnown(a.Info.Category), $"{a.Info.Id}: {a.Info.Category} is not in the taxonomy"));
    }

    [Theory]
    [MemberData(nameof(DetectorTypes))]
    public void Every_detector_has_a_test_class_named_after_it(string detector)
    {
        Assert.Contains(typeof(CommitDetectorConventionTests).Assembly.GetTypes(), t => t.Name == detector + "Tests");
    }

    [Fact]
    public void Every_category_a_commit_detector_raises_has_a_section_in_the_docs()
    {
        var headings = File.ReadAllLines(Path.Combine(Corpus.RepositoryRoot, "docs", "detectors.md"))
            .Where(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => l[3..].Trim())
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(Detectors.Select(a => a.Info.Category).Distinct(), category => Assert.Contains(category, headings));
    }
}
