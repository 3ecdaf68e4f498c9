using System.Text.RegularExpressions;
using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Findings;
using PipeWatch.Sources;
using PipeWatch.Sources.JobLogs;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Conventions;

/// <summary>The house rules for adding a detector or a format, checked: registered, tested, documented, ids unique and in the taxonomy.</summary>
public sealed partial class DetectorConventionTests
{
    private static readonly IReadOnlyList<IDetector> Detectors = BuiltInDetectors.Create(PipeWatchConfig.Default);

    public static TheoryData<string> DetectorTypes => [.. Detectors.Select(d => d.GetType().Name)];

    [Fact]
    public void Detector_ids_are_unique_kebab_case_and_categories_are_in_the_taxonomy()
    {
        Assert.Equal(Detectors.Count, Detectors.Select(d => d.Info.Id).Distinct().Count());
        Assert.All(Detectors, d =>
        {
            Assert.Matches(WireId(), d.Info.Id);
            Assert.True(Categories.IsKnown(d.Info.Category), $"{d.Info.Id}: category {d.Info.Category} is not in the taxonomy");
            Assert.NotEmpty(d.Info.Kinds);
        });
    }

    [Theory]
    [MemberData(nameof(DetectorTypes))]
    public void Every_detector_has_a_test_class_named_after_it(string detector)
    {
        Assert.Contains(typeof(DetectorConventionTests).Assembly.GetTypes(), t => t.Name == detector + "Tests");
    }

    [Fact]
    public void Every_category_a_detector_raises_has_a_section_in_the_docs()
    {
        var headings = File.ReadAllLines(Path.Combine(Corpus.RepositoryRoot, "docs", "detectors.md"))
            .Where(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => l[3..].Trim())
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(Detectors.Select(d => d.Info.Category).Distinct(), category => Assert.Contains(category, headings));
    }

    [Fact]
    public void Payload_format_ids_are_unique_kebab_case_and_listed_in_the_ingest_docs()
    {
        var readme = File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "docs", "ingest.md"));

        Assert.Equal(PayloadFormats.All.Count, PayloadFormats.All.Select(f => f.Id).Distinct().Count());
        Assert.All(PayloadFormats.All, f =>
        {
            Assert.Matches(WireId(), f.Id);
            Assert.Contains($"`{f.Id}`", readme, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Job_log_format_ids_are_unique_kebab_case_distinct_from_payload_formats_and_listed_in_the_ingest_docs()
    {
        var readme = File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "docs", "ingest.md"));
        var ids = JobLogFormats.All.Select(f => f.Id).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Empty(ids.Intersect(PayloadFormats.All.Select(f => f.Id)));
        Assert.All(ids, id =>
        {
            Assert.Matches(WireId(), id);
            Assert.Contains($"`{id}`", readme, StringComparison.Ordinal);
        });
    }

    [GeneratedRegex("^[a-z0-9]+([.-][a-z0-9]+)*$")]
    private static partial Regex WireId();
}
