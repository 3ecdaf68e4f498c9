using PipeWatch.Rules.Sigma;
using Xunit;
using PipeWatch.Tests.Support;

namespace PipeWatch.Tests.Rules.Sigma;

public sealed class SigmaCorpusTests
{
    // 239 rule files (14 Bitbucket audit, 15 GitHub audit, 210 Linux); every one uses only constructs the loader supports.
    [Fact]
    public void Every_corpus_rule_loads_or_is_reported_with_file_line_and_reason()
    {
        var results = SigmaRuleLoader.LoadDirectory(Corpus.File("sigma"));
        var refused = results.Where(r => r.Rule is null).ToList();
        var report = string.Join('\n', refused.SelectMany(r => r.Problems));

        Assert.Equal(239, results.Count);
        Assert.True(239 == results.Count(r => r.Rule is not null), report);
        Assert.All(refused, r => Assert.All(r.Problems, p =>
        {
            Assert.EndsWith(".yml", p.File);
            Assert.True(p.Line > 0, p.ToString());
            Assert.False(string.IsNullOrWhiteSpace(p.Reason));
        }));
        Assert.Empty(refused);
    }

    [Fact]
    public void Corpus_rules_keep_their_metadata()
    {
        var rule = SigmaRuleLoader.LoadFile(Corpus.File("sigma", "application", "github", "audit", "github_delete_action_invoked.yml")).Rule!;

        Assert.Equal(new SigmaLogSource("github", "audit", null, rule.LogSource.Definition), rule.LogSource);
        Assert.Equal(SigmaLevel.Medium, rule.Level);
        Assert.Equal("selection", rule.Condition);
        Assert.Contains(rule.Tags, t => t.StartsWith("attack.", StringComparison.Ordinal));
        Assert.True(Guid.TryParse(rule.Id, out _));
    }
}
