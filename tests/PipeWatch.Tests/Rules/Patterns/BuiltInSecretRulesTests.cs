using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class BuiltInSecretRulesTests
{
    private static readonly SecretRuleSet BuiltIn = SecretRuleLoader.LoadBuiltIn();
    private static readonly SecretScanner Scanner = new(BuiltIn.Rules);

    public static TheoryData<string, int> MatchExamples() => Examples(rule => rule.MatchExamples);

    public static TheoryData<string, int> NoMatchExamples() => Examples(rule => rule.NoMatchExamples);

    private static TheoryData<string, int> Examples(Func<SecretRule, IReadOnlyList<string>> side)
    {
        var data = new TheoryData<string, int>();
        foreach (var rule in BuiltIn.Rules)
        {
            for (var i = 0; i < side(rule).Count; i++) data.Add(rule.Id, i);
        }

        return data;
    }

    private static SecretRule Rule(string id) => BuiltIn.Rules.Single(r => r.Id == id);

    [Fact]
    public void The_built_in_rules_load_without_a_problem_and_number_at_least_sixty()
    {
        Assert.Empty(BuiltIn.Problems);
        Assert.True(BuiltIn.Rules.Count >= 60, $"{BuiltIn.Rules.Count} rules");
    }

    [Theory]
    [MemberData(nameof(MatchExamples))]
    public void Each_match_example_is_found_by_its_rule_among_all_the_built_in_rules(string ruleId, int index)
    {
        var example = Rule(ruleId).MatchExamples[index];

        var matches = Scanner.Scan(example);

        Assert.Contains(matches, m => m.RuleId == ruleId);
    }

    [Theory]
    [MemberData(nameof(NoMatchExamples))]
    public void Each_no_match_example_is_not_found_by_its_rule(string ruleId, int index)
    {
        var example = Rule(ruleId).NoMatchExamples[index];

        var matches = Scanner.Scan(example);

        Assert.DoesNotContain(matches, m => m.RuleId == ruleId);
    }

    [Fact]
    public void This_repository_s_own_sources_and_docs_raise_nothing()
    {
        var root = RepositoryRoot();
        string[] folders = ["src", "bench", "docs"];
        var files = folders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories))
            .Where(f => Path.GetExtension(f) is ".cs" or ".md" or ".csproj")
            .Append(Path.Combine(root, "README.md"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);

        var found = files
            .SelectMany(f => Scanner.Scan(File.ReadAllText(f)).Select(m => $"{Path.GetRelativePath(root, f)}:{m.Line}:{m.Column} {m.RuleId}"))
            .ToList();

        Assert.Empty(found);
    }

    [Fact]
    public void A_match_reports_the_rule_line_column_and_secret_span()
    {
        var token = Rule("github-pat").MatchExamples[0]["GITHUB_TOKEN=".Length..];
        var text = $"steps:\n  - run: echo\n    env:\n      GITHUB_TOKEN: {token}\n";

        var match = Assert.Single(Scanner.Scan(text), m => m.RuleId == "github-pat");

        Assert.Equal(4, match.Line);
        Assert.Equal(21, match.Column);
        Assert.Equal(token, match.Secret);
        Assert.Equal(token, text.Substring(match.Index, match.Length));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PipeWatch.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("PipeWatch.slnx not found above the test output.");
    }
}
