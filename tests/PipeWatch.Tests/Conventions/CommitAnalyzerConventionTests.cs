using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Findings;
using PipeWatch.Rules.Patterns;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>The house rules for commit analyzers, as for detectors: registered, tested, documented, ids unique and in the taxonomy.</summary>
public sealed class CommitAnalyzerConventionTests
{
    private static readonly IReadOnlyList<ICommitAnalyzer> Analyzers = CommitAnalyzers.Create(PipeWatchConfig.Default, SecretRuleBook.BuiltIn);

    public static TheoryData<string> AnalyzerTypes => [.. Analyzers.Select(a => a.GetType().Name).Distinct()];

    [Fact]
    public void Analyzer_ids_are_unique_and_categories_are_in_the_taxonomy()
    {
        Assert.NotEmpty(Analyzers);
        Assert.Equal(Analyzers.Count, Analyzers.Select(a => a.Info.Id).Distinct().Count());
        Assert.All(Analyzers, a => Assert.True(Categories.IsKnown(a.Info.Category), $"{a.Info.Id}: {a.Info.Category} is not in the taxonomy"));
    }

    [Theory]
    [MemberData(nameof(AnalyzerTypes))]
    public void Every_analyzer_has_a_test_class_named_after_it(string analyzer)
    {
        Assert.Contains(typeof(CommitAnalyzerConventionTests).Assembly.GetTypes(), t => t.Name == analyzer + "Tests");
    }

    [Fact]
    public void Every_category_an_analyzer_raises_has_a_section_in_the_docs()
    {
        var headings = File.ReadAllLines(Path.Combine(Corpus.RepositoryRoot, "docs", "detectors.md"))
            .Where(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => l[3..].Trim())
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(Analyzers.Select(a => a.Info.Category).Distinct(), category => Assert.Contains(category, headings));
    }
}
