using System.Buffers;
using System.Text.RegularExpressions;

namespace PipeWatch.Rules.Patterns;

/// <summary>Finds secrets in a text: a keyword prefilter over the whole text, then each candidate rule's regex only near its keyword hits.</summary>
/// <remarks>
/// The keywords are found by <see cref="KeywordPrefixFilter"/> when all are ASCII (the built-in ones), else by passes of
/// <see cref="SearchValues{T}"/> sets; both find every position where a keyword starts, ignoring case.
/// Built once from compiled rules and immutable afterwards, so one scanner is safe to share between threads.
/// The regex of a rule runs only over a window of <see cref="SecretRule.Window"/> characters either side of each
/// hit of one of its keywords (overlapping windows merged), so the cost grows with the hits rather than the text.
/// </remarks>
public sealed class SecretScanner
{
    /// <summary>Keywords searched for in one pass (when not every keyword is ASCII); a larger set is split into passes of this many, in sorted order.</summary>
    /// <remarks>
    /// .NET searches up to a few dozen strings with Teddy (vectorized, on three-character fingerprints in eight buckets) and more
    /// with Aho-Corasick, about 2.5 times slower per character. The 144 built-in keywords in one set went to Aho-Corasick
    /// (~150 M chars/s here); in six sorted sets of at most 24 (shared prefixes in one bucket keep Teddy's false candidates
    /// few) the six passes together ran at ~360 M chars/s over the same 100 MB. Sorting matters: the same sets cut
    /// round-robin ran at ~75. Short texts too (decoded strings in logs): from 64 characters up the split passes were as
    /// fast or faster (67 against 61 M chars/s at 64, 172 against 113 at 1,024).
    /// With 370 keywords (the provider rules), sets of 24 made 16 passes whose buckets held three keywords each and let through
    /// enough false candidates to cost more than the passes: over the added lines of four real histories (4–17 M characters
    /// each) 31 sets of 12 took 35–45 % less CPU than 16 of 24 (toolkit 72 → 46 ms, flask 44 → 32, renovatebot 28 → 15,
    /// starter-workflows 26 → 14; sets of 8 or 16 were no better than 12, one Aho-Corasick set of all was 87–99 ms on toolkit).
    /// The hits do not depend on the split: every position is checked against every keyword that starts with its character.
    /// </remarks>
    internal const int KeywordsPerPass = 12;

    private readonly IReadOnlyList<SecretRule> _rules;
    private readonly SearchValues<string>[] _keywords;

    // Keyword candidates by their lower-cased first character, each with the indexes of the rules it selects; built only
    // when the keyword sets are searched (null with the prefix filter).
    private readonly Dictionary<char, (string Keyword, int[] Rules)[]>? _byFirstChar;

    // The keyword search when every keyword is ASCII (the built-in rules'); null: the sets above are searched instead.
    private readonly KeywordPrefixFilter? _prefixes;

    public SecretScanner(IReadOnlyList<SecretRule> rules)
        : this(rules, prefixFilter: true)
    {
    }

    /// <param name="rules">The rules, keyword rules only.</param>
    /// <param name="prefixFilter">False searches the keyword sets even where the prefix filter could: the reference the filter is tested against.</param>
    internal SecretScanner(IReadOnlyList<SecretRule> rules, bool prefixFilter)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules;
        var rulesByKeyword = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < rules.Count; i++)
        {
            foreach (var keyword in rules[i].Keywords)
            {
                if (!rulesByKeyword.TryGetValue(keyword, out var list)) rulesByKeyword[keyword] = list = [];
                if (!list.Contains(i)) list.Add(i);
            }
        }

        // A plain loop, not LINQ: the prefix filter's path (every scan of the built-in rules) then runs no framework generic
        // code over value types, which a framework-dependent build JIT-compiles at each start (KeywordPrefixFilter.Create).
        var byKeyword = new Dictionary<string, int[]>(rulesByKeyword.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var pair in rulesByKeyword) byKeyword[pair.Key] = pair.Value.ToArray();
        _prefixes = prefixFilter ? KeywordPrefixFilter.Create(byKeyword) : null;
        if (_prefixes is not null)
        {
            _keywords = [];
            return;
        }

        _byFirstChar = rulesByKeyword
            .GroupBy(pair => char.ToLowerInvariant(pair.Key[0]))
            .ToDictionary(group => group.Key, group => group.Select(pair => (pair.Key, pair.Value.ToArray())).ToArray());
        _keywords = [.. rulesByKeyword.Keys.Order(StringComparer.OrdinalIgnoreCase).Chunk(KeywordsPerPass)
            .Select(set => SearchValues.Create(set, StringComparison.OrdinalIgnoreCase))];
    }

    public IReadOnlyList<SecretRule> Rules => _rules;

    /// <summary>Every secret in <paramref name="text"/>, in order of position.</summary>
    public IReadOnlyList<SecretMatch> Scan(string text) => Scan(text, null);

    /// <summary>Every secret in <paramref name="text"/>, in order of position; each window a rule's regex could not finish is added to <paramref name="timeouts"/>.</summary>
    /// <remarks>A rule that times out in a window loses only that window: the other rules and windows are still scanned.</remarks>
    internal IReadOnlyList<SecretMatch> Scan(string text, ICollection<RegexTimeout>? timeouts)
    {
        ArgumentNullException.ThrowIfNull(text);
        var windows = FindWindows(text);
        if (windows is null) return [];

        var found = new List<(SecretMatch Match, int Rule)>();
        LineIndex? lines = null;
        for (var r = 0; r < windows.Length; r++)
        {
            if (windows[r] is not { } ranges) continue;
            var rule = _rules[r];
            foreach (var (start, end) in ranges)
            {
                try
                {
                    for (var m = rule.MatcherFor(end - start).Match(text, start, end - start); m.Success; m = m.NextMatch())
                    {
                        var group = m.Groups[rule.SecretGroup];
                        if (!group.Success || group.Length == 0 || !rule.Accepts(group.Value)) continue;
                        lines ??= new LineIndex(text);
                        var (line, column) = lines.Locate(group.Index);
                        found.Add((new SecretMatch(rule.Id, line, column, group.Index, group.Length, group.Value), r));
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    // A window this rule's regex cannot finish (a user's rule that backtracks without end, most likely): what
                    // it found there before the timeout stands, the other windows and rules of the text are still scanned, and
                    // the caller hears of it (a match there may be missed).
                    if (timeouts is null) continue;
                    lines ??= new LineIndex(text);
                    timeouts.Add(new RegexTimeout(rule.Id, lines.Locate(FirstKeyword(text, start, end, rule)).Line));
                }
            }
        }

        return OnePerSpan(found);
    }

    // Where the first keyword hit of a window is (the window reaches back before it): the line a timeout is reported at.
    private static int FirstKeyword(string text, int start, int end, SecretRule rule)
    {
        var first = end - 1;
        foreach (var keyword in rule.Keywords)
        {
            var at = text.AsSpan(start, end - start).IndexOf(keyword, StringComparison.OrdinalIgnoreCase);
            if (at >= 0) first = Math.Min(first, start + at);
        }

        return Math.Max(start, first);
    }

    // Several rules can find the same secret (a GitHub token is also a generic TOKEN= assignment): the same span is
    // reported once, by the most severe rule, and among equals by the one listed first (specific rules precede generic ones).
    private List<SecretMatch> OnePerSpan(List<(SecretMatch Match, int Rule)> found)
    {
        found.Sort((a, b) =>
            a.Match.Index != b.Match.Index ? a.Match.Index.CompareTo(b.Match.Index)
            : a.Match.Length != b.Match.Length ? b.Match.Length.CompareTo(a.Match.Length)
            : _rules[a.Rule].Severity != _rules[b.Rule].Severity ? _rules[b.Rule].Severity.CompareTo(_rules[a.Rule].Severity)
            : a.Rule.CompareTo(b.Rule));
        var matches = new List<SecretMatch>(found.Count);
        foreach (var (match, _) in found)
        {
            if (matches.Count > 0 && matches[^1].Index == match.Index && matches[^1].Length == match.Length) continue;
            matches.Add(match);
        }

        return matches;
    }

    // For each rule, the merged windows around the hits of its keywords; null when no keyword occurs at all.
    private List<(int Start, int End)>?[]? FindWindows(string text)
    {
        List<(int Start, int End)>?[]? windows = null;
        var span = text.AsSpan();
        if (_prefixes is { } prefixes)
        {
            for (var at = prefixes.Next(span, 0, out var candidates); at >= 0; at = prefixes.Next(span, at + 1, out candidates))
            {
                foreach (var (keyword, rules) in candidates)
                {
                    if (span[at..].StartsWith(keyword, StringComparison.OrdinalIgnoreCase)) AddWindows(ref windows, at, keyword.Length, rules, text.Length);
                }
            }

            return windows;
        }

        // The next hit of each pass; every position where a keyword starts is taken once, in order.
        var passes = _keywords;
        var next = new int[passes.Length];
        for (var pass = 0; pass < next.Length; pass++) next[pass] = NextHit(span, passes[pass], 0);
        while (true)
        {
            var at = int.MaxValue;
            foreach (var hit in next) at = Math.Min(at, hit);
            if (at == int.MaxValue) break;
            for (var pass = 0; pass < next.Length; pass++)
            {
                if (next[pass] == at) next[pass] = NextHit(span, passes[pass], at + 1);
            }

            if (!_byFirstChar!.TryGetValue(char.ToLowerInvariant(span[at]), out var candidates)) continue;
            foreach (var (keyword, rules) in candidates)
            {
                if (span[at..].StartsWith(keyword, StringComparison.OrdinalIgnoreCase)) AddWindows(ref windows, at, keyword.Length, rules, text.Length);
            }
        }

        return windows;
    }

    // The window of each rule a keyword hit at `at` selects; hits arrive in order, so a window either extends the rule's
    // last one or starts after it.
    private void AddWindows(ref List<(int Start, int End)>?[]? windows, int at, int length, int[] rules, int textLength)
    {
        windows ??= new List<(int, int)>?[_rules.Count];
        foreach (var r in rules)
        {
            var radius = _rules[r].Window;
            var start = Math.Max(0, at - radius);
            var end = Math.Min(textLength, at + length + radius);
            var list = windows[r] ??= [];
            if (list.Count > 0 && start <= list[^1].End) list[^1] = (list[^1].Start, Math.Max(end, list[^1].End));
            else list.Add((start, end));
        }
    }

    private static int NextHit(ReadOnlySpan<char> text, SearchValues<string> keywords, int from)
    {
        if (from >= text.Length) return int.MaxValue;
        var found = text[from..].IndexOfAny(keywords);
        return found < 0 ? int.MaxValue : from + found;
    }

    // Line starts, built only when a text has a match, to turn an index into a line and column.
    private sealed class LineIndex
    {
        private readonly List<int> _starts = [0];

        public LineIndex(string text)
        {
            for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1)) _starts.Add(i + 1);
        }

        public (int Line, int Column) Locate(int index)
        {
            var found = _starts.BinarySearch(index);
            var line = found >= 0 ? found : ~found - 1;
            return (line + 1, index - _starts[line] + 1);
        }
    }
}
