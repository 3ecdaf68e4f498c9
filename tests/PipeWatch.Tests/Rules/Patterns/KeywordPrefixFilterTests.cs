using PipeWatch.Rules.Patterns;
using Xunit;

namespace PipeWatch.Tests.Rules.Patterns;

public sealed class KeywordPrefixFilterTests
{
    private static readonly IReadOnlyList<SecretRule> Rules = SecretRuleLoader.LoadBuiltIn().Rules;
    private static readonly SecretScanner Filtered = new(Rules, prefixFilter: true);
    private static readonly SecretScanner KeywordSets = new(Rules, prefixFilter: false);

    [Fact]
    public void No_non_ascii_character_equals_an_ascii_one_ignoring_case()
    {
        // What makes the filter exact: a keyword (ASCII) can only start where the text's characters are ASCII.
        var equal = new List<string>();
        for (var c = 128; c <= char.MaxValue; c++)
        {
            var text = ((char)c).ToString();
            for (var a = 0; a < 128; a++)
            {
                if (string.Equals(text, ((char)a).ToString(), StringComparison.OrdinalIgnoreCase)) equal.Add($"U+{c:X4} ~ U+{a:X4}");
            }
        }

        Assert.Empty(equal);
    }

    [Fact]
    public void The_built_in_keywords_are_all_ascii_so_the_scanner_uses_the_filter()
    {
        var keywords = Rules.SelectMany(r => r.Keywords).Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(k => k, _ => new[] { 0 }, StringComparer.OrdinalIgnoreCase);

        Assert.NotNull(KeywordPrefixFilter.Create(keywords));
        Assert.Null(KeywordPrefixFilter.Create(new Dictionary<string, int[]> { ["pässword"] = [0] }));
        Assert.Null(KeywordPrefixFilter.Create(new Dictionary<string, int[]> { ["k"] = [0] }));
        Assert.Null(KeywordPrefixFilter.Create(new Dictionary<string, int[]> { ["token"] = [0], ["tok\u00e9n"] = [1] }));
    }

    [Fact]
    public void Every_position_where_a_keyword_starts_ignoring_ascii_case_is_a_candidate_and_no_other_keyword_is_offered()
    {
        var filter = KeywordPrefixFilter.Create(new Dictionary<string, int[]>(StringComparer.OrdinalIgnoreCase) { ["ghp_"] = [0], ["$2"] = [1], ["token"] = [2], ["tok"] = [3] })!;
        const string text = "x GHP_a ToKeN t\u0131ken \u017Fecret tok$2";

        var found = new List<(int At, string Keywords)>();
        for (var at = filter.Next(text, 0, out var candidates); at >= 0; at = filter.Next(text, at + 1, out candidates))
        {
            found.Add((at, string.Join(",", candidates.Select(c => c.Keyword).Order(StringComparer.Ordinal))));
        }

        // "t\u0131ken" (dotless i) and "\u017Fecret" (long s) are no keywords ignoring case; "tok$2" holds "tok" and "$2".
        Assert.Equal([(2, "ghp_"), (8, "tok,token"), (27, "tok,token"), (30, "$2")], found);
    }

    [Fact]
    public void The_scanner_finds_the_same_secrets_with_the_filter_as_with_the_keyword_sets_on_real_and_hostile_text()
    {
        var root = RepositoryRoot();
        var texts = new[] { "src", "docs", "rules", "bench/secret-recall" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var examples = Rules.SelectMany(r => r.MatchExamples.Concat(r.NoMatchExamples)).ToList();
        texts.Add(string.Join("\n# ---\n", examples));
        texts.AddRange(examples.Select(e => e.ToUpperInvariant()));
        // Look-alikes that must not count (dotless i, long s, Kelvin sign), keywords cut by the end of the text, NULs, empty.
        texts.AddRange(["", "t", "to", "$2", "x$2", "ghp", "GhP_", "\0\0token\0", "\u0131\u017F\u212A", "TOKEN=\u212Aey \u017Fecret=abc123def456ghi789 tok\u0131en=Zq8xP2mVb7Kc4LwR9sTy"]);
        Assert.True(texts.Count > 500, $"{texts.Count} texts");

        var differ = texts.Where(t => !KeywordSets.Scan(t).SequenceEqual(Filtered.Scan(t))).Select(t => t.Length > 80 ? t[..80] : t).ToList();

        Assert.Empty(differ);
        Assert.True(texts.Sum(t => Filtered.Scan(t).Count) > 1000);
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
