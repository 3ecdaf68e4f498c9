using System.Text.RegularExpressions;
using PipeWatch.Rules.Patterns;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

/// <summary>The gitleaks coverage table of <c>rules/secrets/README.md</c> holds against the loaded rules, so its claim cannot rot.</summary>
public sealed partial class GitleaksCoverageTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Corpus.RepositoryRoot, "rules", "secrets", "README.md"));

    private static readonly IReadOnlyList<(string Gitleaks, string? Ours, string Note)> Rows =
        [.. TableRow().Matches(Readme).Select(m => (m.Groups["gitleaks"].Value, m.Groups["ours"].Success ? m.Groups["ours"].Value : null, m.Groups["note"].Value.Trim()))];

    [Fact]
    public void Every_rule_the_table_names_is_loaded()
    {
        var loaded = SecretRuleLoader.LoadBuiltIn();
        Assert.Empty(loaded.Problems);
        var ids = loaded.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(Rows.Where(r => r.Ours is not null), row => Assert.True(ids.Contains(row.Ours!), $"{row.Gitleaks} → '{row.Ours}': no such rule"));
    }

    [Fact]
    public void The_stated_counts_are_the_table_s_counts()
    {
        var claim = CoverageClaim().Match(Readme);
        Assert.True(claim.Success, "README states no 'Covered: N of M gitleaks rules'");
        Assert.Equal(int.Parse(claim.Groups["of"].Value, System.Globalization.CultureInfo.InvariantCulture), Rows.Count);
        Assert.Equal(int.Parse(claim.Groups["covered"].Value, System.Globalization.CultureInfo.InvariantCulture), Rows.Count(r => r.Ours is not null));
        Assert.Equal(Rows.Count, Rows.Select(r => r.Gitleaks).Distinct(StringComparer.Ordinal).Count());
        Assert.True(Rows.Count >= 220, $"{Rows.Count} gitleaks rules in the table");
    }

    [Fact]
    public void Each_rule_left_out_says_why()
    {
        var leftOut = Rows.Where(r => r.Ours is null).ToList();
        Assert.NotEmpty(leftOut);
        Assert.All(leftOut, row => Assert.StartsWith("left out: ", row.Note, StringComparison.Ordinal));
    }

    [Fact]
    public void The_built_in_rules_reach_gitleaks_breadth()
    {
        Assert.True(SecretRuleLoader.LoadBuiltIn().Rules.Count >= Rows.Count, "fewer built-in rules than gitleaks has");
    }

    [GeneratedRegex(@"^\| `(?<gitleaks>[a-z0-9-]+)` \| (?:`(?<ours>[a-z0-9-]+)`|—) \|(?<note>[^\n]*)\|\s*$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\*\*Covered: (?<covered>\d+) of (?<of>\d+) gitleaks rules\*\*")]
    private static partial Regex CoverageClaim();
}
