using System.Text.RegularExpressions;

namespace PipeWatch.Rules;

/// <summary>
/// Regexes from rule files, made safe against input built to make them backtrack: linear-time where the construct allows,
/// and patterns that need backtracking and can backtrack without end named at load.
/// </summary>
/// <remarks>
/// A timed-out match counts as "no match", so a pattern an attacker can make time out (by padding a line) is a way to hide
/// what it should find. <see cref="Compile"/> uses <see cref="RegexOptions.NonBacktracking"/> (no timeout can happen) unless the
/// pattern needs the backtracking engine (lookarounds, backreferences, atomic groups); <see cref="Risk"/> says when such a
/// pattern also nests unbounded quantifiers (<c>(a+)+</c>, <c>(\w*\s?)*</c>), the shape that backtracks exponentially.
/// </remarks>
internal static class RegexSafety
{
    /// <summary>The linear-time engine when it can run <paramref name="pattern"/>, else the backtracking one with <paramref name="timeout"/>.</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regex.</exception>
    public static Regex Compile(string pattern, RegexOptions options, TimeSpan timeout)
    {
        if (NeedsBacktracking(pattern, options)) return new Regex(pattern, options, timeout);
        return new Regex(pattern, options | RegexOptions.NonBacktracking, timeout);
    }

    /// <summary>True when the linear-time engine cannot run <paramref name="pattern"/> (a construct it lacks, or an automaton too large).</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regex.</exception>
    public static bool NeedsBacktracking(string pattern, RegexOptions options)
    {
        try
        {
            _ = new Regex(pattern, (options & ~RegexOptions.Compiled) | RegexOptions.NonBacktracking);
            return false;
        }
        catch (NotSupportedException)
        {
            return true;
        }
    }

    /// <summary>
    /// Why <paramref name="pattern"/> can backtrack without end, or null: it needs the backtracking engine and quantifies a group
    /// that itself holds an unbounded quantifier.
    /// </summary>
    public static string? Risk(string pattern, RegexOptions options = RegexOptions.None)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        // The cheap text check first: asking the linear-time engine whether it can run a pattern builds its automaton (about a
        // millisecond and half a megabyte each, the large-object heap's full collections included), which the built-in secret
        // rules paid 286 times at every start although none of them nests quantifiers.
        if (NestedQuantifier(pattern) is not { } nested) return null;
        try
        {
            if (!NeedsBacktracking(pattern, options)) return null;
        }
        catch (ArgumentException)
        {
            return null;
        }

        return $"the group '{nested}' repeats an unbounded quantifier, and the pattern needs the backtracking engine (a lookaround, backreference or atomic group), " +
            "so a crafted line makes it backtrack without end and time out, hiding what it should match; rewrite it without the nesting or without the construct";
    }

    /// <summary>
    /// The first group quantified without bound that holds an unbounded quantifier itself and no required literal between its
    /// repetitions (<c>(a+)+</c>, <c>(\w+\s?)*</c>; not <c>([\w-]+\.)*</c>, whose dot tells one repetition from the next), as written;
    /// null when there is none. A heuristic: it names the common shape, and the timeouts it misses are counted as problems.
    /// </summary>
    internal static string? NestedQuantifier(string pattern)
    {
        // For each open group: where it starts, whether an unbounded quantifier occurs inside it, and whether it has a
        // required literal of its own (one not optional, outside any alternation).
        var open = new Stack<(int Start, bool Unbounded, bool Literal, bool Alternation)>();
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                i++;
                if (open.Count > 0 && i < pattern.Length && !char.IsAsciiLetter(pattern[i]) && !char.IsAsciiDigit(pattern[i]) && Required(pattern, i + 1)) MarkLiteral(open);
                continue;
            }

            if (inClass)
            {
                if (c == ']') inClass = false;
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']') i++;
                    break;
                case '(':
                    open.Push((i, false, false, false));
                    break;
                case ')' when open.Count > 0:
                    var (start, inner, literal, alternation) = open.Pop();
                    var quantifier = UnboundedQuantifierAt(pattern, i + 1);
                    if (inner && quantifier && (!literal || alternation)) return pattern[start..(i + 1)];
                    if ((inner || quantifier) && open.Count > 0) MarkUnbounded(open);
                    // A child group's literals (account|port) separate the parent's repetitions too, unless the child is optional.
                    if (literal && open.Count > 0 && Required(pattern, i + 1, allowRepeat: true)) MarkLiteral(open);
                    break;
                case '|' when open.Count > 0:
                    var top = open.Pop();
                    open.Push(top with { Alternation = true });
                    break;
                case '{' when pattern.IndexOf('}', i) is var close && close > i && UnboundedOrCount(pattern, i, close):
                    if (open.Count > 0 && UnboundedQuantifierAt(pattern, i)) MarkUnbounded(open);
                    i = close;
                    break;
                default:
                    if (open.Count > 0 && UnboundedQuantifierAt(pattern, i)) MarkUnbounded(open);
                    else if (open.Count > 0 && !"?*+{}.^$:=!<>".Contains(c, StringComparison.Ordinal) && Required(pattern, i + 1)) MarkLiteral(open);
                    break;
            }
        }

        return null;
    }

    private static void MarkUnbounded(Stack<(int Start, bool Unbounded, bool Literal, bool Alternation)> open)
    {
        var top = open.Pop();
        open.Push(top with { Unbounded = true });
    }

    private static void MarkLiteral(Stack<(int Start, bool Unbounded, bool Literal, bool Alternation)> open)
    {
        var top = open.Pop();
        open.Push(top with { Literal = true });
    }

    // A literal ending before this position separates repetitions unless a quantifier follows it.
    private static bool Required(string pattern, int at, bool allowRepeat = false) =>
        at >= pattern.Length || (allowRepeat ? pattern[at] is not ('?' or '*') && !pattern.AsSpan(at).StartsWith("{0", StringComparison.Ordinal) : pattern[at] is not ('?' or '*' or '+' or '{'));

    // "{n}", "{n,}" or "{n,m}": a quantifier, whose digits are no literals.
    private static bool UnboundedOrCount(string pattern, int open, int close) =>
        close > open + 1 && pattern.AsSpan(open + 1, close - open - 1).IndexOfAnyExcept("0123456789,") < 0;

    // '*', '+' or '{n,}' at this position.
    private static bool UnboundedQuantifierAt(string pattern, int at)
    {
        if (at >= pattern.Length) return false;
        if (pattern[at] is '*' or '+') return true;
        if (pattern[at] != '{') return false;
        var close = pattern.IndexOf('}', at);
        if (close < 0) return false;
        var body = pattern.AsSpan(at + 1, close - at - 1);
        return body.Length > 1 && body[^1] == ',' && int.TryParse(body[..^1], out _);
    }
}
