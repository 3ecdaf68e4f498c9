namespace PipeWatch.Rules.Sigma;

/// <summary>Parses a Sigma condition (<c>and</c>, <c>or</c>, <c>not</c>, parentheses, <c>1 of</c>/<c>all of</c> a pattern or <c>them</c>) into a matcher over the named searches.</summary>
/// <remarks>Precedence, lowest first: <c>or</c>, <c>and</c>, <c>not</c>; <c>x of</c> and parentheses bind tightest.</remarks>
internal sealed class SigmaCondition
{
    private readonly List<string> _tokens;
    private readonly IReadOnlyDictionary<string, ISigmaMatcher> _searches;
    private readonly IReadOnlyList<string> _order;
    private int _next;

    private SigmaCondition(List<string> tokens, IReadOnlyDictionary<string, ISigmaMatcher> searches, IReadOnlyList<string> order)
    {
        _tokens = tokens;
        _searches = searches;
        _order = order;
    }

    /// <summary>The matcher, or the reason the condition is malformed or names something that is not there.</summary>
    /// <param name="order">The search identifiers in file order.</param>
    public static (ISigmaMatcher? Matcher, string? Error) Parse(string condition, IReadOnlyDictionary<string, ISigmaMatcher> searches, IReadOnlyList<string> order)
    {
        if (condition.Contains('|')) return (null, "aggregation expressions ('| count() ...') were removed in Sigma 2; use a correlation rule");
        var tokens = Tokenize(condition);
        if (tokens.Count == 0) return (null, "the condition is empty");
        var parser = new SigmaCondition(tokens, searches, order);
        try
        {
            var matcher = parser.Or();
            if (parser._next < tokens.Count) return (null, $"unexpected '{tokens[parser._next]}' in condition '{condition}'");
            return (matcher, null);
        }
        catch (FormatException e)
        {
            return (null, $"{e.Message} in condition '{condition}'");
        }
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            else if (text[i] is '(' or ')')
            {
                tokens.Add(text[i++].ToString());
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')') i++;
                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }

    private string? Peek => _next < _tokens.Count ? _tokens[_next] : null;

    private string Take() => _next < _tokens.Count ? _tokens[_next++] : throw new FormatException("unexpected end");

    private ISigmaMatcher Or()
    {
        var parts = new List<ISigmaMatcher> { And() };
        while (Peek == "or")
        {
            _next++;
            parts.Add(And());
        }

        return parts.Count == 1 ? parts[0] : new AnyOf(parts);
    }

    private ISigmaMatcher And()
    {
        var parts = new List<ISigmaMatcher> { Not() };
        while (Peek == "and")
        {
            _next++;
            parts.Add(Not());
        }

        return parts.Count == 1 ? parts[0] : new AllOf(parts);
    }

    private ISigmaMatcher Not()
    {
        if (Peek != "not") return Primary();
        _next++;
        return new NotMatcher(Not());
    }

    private ISigmaMatcher Primary()
    {
        var token = Take();
        switch (token)
        {
            case "(":
                var inner = Or();
                if (Peek != ")") throw new FormatException("missing ')'");
                _next++;
                return inner;
            case ")" or "and" or "or" or "not" or "of" or "them":
                throw new FormatException($"unexpected '{token}'");
            case "1" or "all":
                if (Peek != "of") break;
                _next++;
                return Quantified(token == "all", Take());
        }

        if (char.IsDigit(token[0]) && Peek == "of") throw new FormatException($"'{token} of' is not Sigma; use '1 of' or 'all of'");
        if (!_searches.TryGetValue(token, out var search)) throw new FormatException($"'{token}' is not a search identifier of the detection");
        return search;
    }

    private ISigmaMatcher Quantified(bool all, string target)
    {
        // 'them' leaves out identifiers starting with an underscore, as the specification says.
        var names = target == "them" ? _order.Where(n => !n.StartsWith('_')).ToList() : _order.Where(n => Glob(target, n)).ToList();
        if (target is "(" or ")" or "and" or "or" or "not") throw new FormatException($"unexpected '{target}' after 'of'");
        if (names.Count == 0) throw new FormatException($"'{target}' matches no search identifier");
        var parts = names.Select(n => _searches[n]).ToList();
        return all ? new AllOf(parts) : new AnyOf(parts);
    }

    private static bool Glob(string pattern, string name)
    {
        var star = pattern.IndexOf('*');
        if (star < 0) return pattern == name;
        var prefix = pattern[..star];
        var rest = pattern[(star + 1)..];
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var tail = name[prefix.Length..];
        if (rest.Length == 0) return true;
        for (var i = 0; i <= tail.Length; i++)
        {
            if (Glob(rest, tail[i..])) return true;
        }

        return false;
    }

    private sealed class AllOf(IReadOnlyList<ISigmaMatcher> parts) : ISigmaMatcher
    {
        public SigmaLiterals? Required { get; } = SigmaLiterals.Best(parts.Select(p => p.Required));

        public bool Matches(ISigmaFieldSource source)
        {
            foreach (var part in parts)
            {
                if (!part.Matches(source)) return false;
            }

            return true;
        }
    }

    private sealed class AnyOf(IReadOnlyList<ISigmaMatcher> parts) : ISigmaMatcher
    {
        public SigmaLiterals? Required { get; } = SigmaLiterals.Union(parts.Select(p => p.Required));

        public bool Matches(ISigmaFieldSource source)
        {
            foreach (var part in parts)
            {
                if (part.Matches(source)) return true;
            }

            return false;
        }
    }

    private sealed class NotMatcher(ISigmaMatcher inner) : ISigmaMatcher
    {
        public SigmaLiterals? Required => null;

        public bool Matches(ISigmaFieldSource source) => !inner.Matches(source);
    }

    /// <summary>AND of matchers, for the entries of a selection map.</summary>
    public static ISigmaMatcher All(IReadOnlyList<ISigmaMatcher> parts) => parts.Count == 1 ? parts[0] : new AllOf(parts);

    /// <summary>OR of matchers, for a list of selection maps.</summary>
    public static ISigmaMatcher Any(IReadOnlyList<ISigmaMatcher> parts) => parts.Count == 1 ? parts[0] : new AnyOf(parts);
}
