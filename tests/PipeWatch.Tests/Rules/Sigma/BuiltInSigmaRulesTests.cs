using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Rules.Sigma;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Rules.Sigma;

/// <summary>The built-in pack (rules/sigma): every rule loads, is complete, and is proven on its match and no-match events.</summary>
public sealed class BuiltInSigmaRulesTests
{
    private static readonly SigmaRuleSet Pack = Load();

    private static SigmaRuleSet Load()
    {
        var problems = new List<Problem>();
        var set = SigmaRuleSet.Create(SigmaRuleSources.BuiltIn(), SigmaFieldMapping.Default, problems);
        Assert.Empty(problems);
        return set;
    }

    public static TheoryData<string> RuleFiles => [.. Directory.GetFiles(PackFolder, "*.yml", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(PackFolder, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];

    private static string PackFolder => Path.Combine(Corpus.RepositoryRoot, "rules", "sigma");

    [Fact]
    public void Every_rule_file_is_embedded_and_loads()
    {
        Assert.Equal(RuleFiles.Count, Pack.Rules.Count);
        Assert.Equal(RuleFiles.Select(r => r.Data).Order(StringComparer.Ordinal), Pack.Rules.Select(r => r.File[(SigmaRuleSources.BuiltInRoot.Length + 1)..]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public void Rule_is_complete(string file)
    {
        var rule = Rule(file);

        Assert.True(Guid.TryParse(rule.Id, out _), $"{file}: id");
        Assert.NotNull(rule.Level);
        Assert.NotNull(rule.Description);
        Assert.True(Categories.IsKnown(rule.CustomAttributes[SigmaRuleSet.CategoryAttribute]), $"{file}: {SigmaRuleSet.CategoryAttribute}");
        Assert.Contains(rule.Tags, t => t.StartsWith("attack.t", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public async Task Rule_matches_each_of_its_match_events(string file)
    {
        var events = await EventFiles.ReadAsync(Examples(file, "match"));

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.True(Matches(file, e), $"{file} should match {e.Origin}"));
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public async Task Rule_matches_none_of_its_no_match_events(string file)
    {
        var events = await EventFiles.ReadAsync(Examples(file, "nomatch"));

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.False(Matches(file, e), $"{file} should not match {e.Origin}"));
    }

    // Through the rule set, as the detector runs it: routed by logsource, prefiltered, then matched.
    private static bool Matches(string file, Events.Event e)
    {
        var matched = new List<SigmaRule>();
        Pack.Match(e, new SigmaEventFields(e, Pack.Mapping), matched);
        return matched.Contains(Rule(file));
    }

    private static SigmaRule Rule(string file) => Pack.Rules.Single(r => r.File == $"{SigmaRuleSources.BuiltInRoot}/{file}");

    private static string Examples(string file, string kind) => Path.Combine(PackFolder, Path.ChangeExtension(file, $".{kind}.jsonl"));
}
