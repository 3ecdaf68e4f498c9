using System.Globalization;
using System.Text;

namespace PipeWatch.Intel.Feeds;

/// <summary>
/// Reads a STIX 2.1 pattern (<c>[file:hashes.'SHA-256' = '…' OR domain-name:value = '…']</c>) into the values it names that can
/// be looked up: each alternative of <c>OR</c>, and each part of an <c>AND</c> within one observation when every part can.
/// </summary>
/// <remarks>
/// Equality (<c>=</c>), <c>IN (…)</c> and <c>ISSUBSET</c> (CIDR) over file hashes, domain names, IPv4/IPv6 addresses, URLs and e-mail
/// addresses can be looked up; other paths and operators (<c>MATCHES</c>, <c>LIKE</c>, <c>!=</c>, x509 fields…) cannot. A pattern
/// whose observations are joined by <c>AND</c> or <c>FOLLOWEDBY</c>, or that carries a qualifier (<c>WITHIN</c>, <c>REPEATS</c>),
/// needs several events together and is not read. Bounded: at most <see cref="MaxTokens"/> tokens and <see cref="MaxTerms"/> terms.
/// </remarks>
internal static class StixPattern
{
    public const int MaxTokens = 20_000;
    public const int MaxTerms = 4_096;
    private const int MaxDepth = 32;

    /// <summary>The result: the values (kind, raw value) to import, or why the pattern yields none.</summary>
    public sealed record Result(IReadOnlyList<(IndicatorKind Kind, string Value)> Values, string? Unusable, IReadOnlyList<string> UnmatchablePaths, string? Bad = null);

    public static Result Read(string pattern)
    {
        List<Token> tokens;
        try
        {
            tokens = Tokenize(pattern);
        }
        catch (FormatException ex)
        {
            return new Result([], null, [], ex.Message);
        }

        var parser = new Parser(tokens);
        try
        {
            var observations = parser.Pattern();
            if (parser.Position != tokens.Count) throw new FormatException($"unexpected '{tokens[parser.Position].Text}' at offset {tokens[parser.Position].Offset}");
            if (parser.Qualified) return new Result([], "a qualifier (WITHIN, REPEATS, START/STOP) spans several events", []);
            if (observations is null) return new Result([], "observations joined by AND or FOLLOWEDBY span several events", []);
            var values = new List<(IndicatorKind, string)>();
            var unmatchable = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var alternative in observations)
            {
                var bad = alternative.Where(t => t.Kind is null).Select(t => t.Path).ToList();
                if (bad.Count > 0)
                {
                    unmatchable.UnionWith(bad);
                    continue;
                }

                values.AddRange(alternative.Select(t => (t.Kind!.Value, t.Value!)));
            }

            return values.Count > 0
                ? new Result(values, null, [.. unmatchable])
                : new Result([], $"no part can be looked up ({string.Join(", ", unmatchable)})", [.. unmatchable]);
        }
        catch (FormatException ex)
        {
            return new Result([], null, [], ex.Message);
        }
    }

    private enum TokenType { Open, Close, OpenParen, CloseParen, Comma, Operator, Word, Path, String, Number }

    private sealed record Token(TokenType Type, string Text, int Offset);

    /// <summary>One comparison: a path, and the kind and value when it can be looked up.</summary>
    private sealed record Term(string Path, IndicatorKind? Kind, string? Value);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            if (tokens.Count > MaxTokens) throw new FormatException($"more than {MaxTokens} tokens");
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            switch (c)
            {
                case '[': tokens.Add(new Token(TokenType.Open, "[", i++)); continue;
                case ']': tokens.Add(new Token(TokenType.Close, "]", i++)); continue;
                case '(': tokens.Add(new Token(TokenType.OpenParen, "(", i++)); continue;
                case ')': tokens.Add(new Token(TokenType.CloseParen, ")", i++)); continue;
                case ',': tokens.Add(new Token(TokenType.Comma, ",", i++)); continue;
                case '=': tokens.Add(new Token(TokenType.Operator, "=", i++)); continue;
                case '!' or '<' or '>':
                    i += i + 1 < text.Length && text[i + 1] == '=' ? 2 : 1;
                    tokens.Add(new Token(TokenType.Operator, text[start..i], start));
                    continue;
                case '\'':
                    tokens.Add(new Token(TokenType.String, ReadString(text, ref i), start));
                    continue;
            }

            if ((c is 'b' or 'h' or 't') && i + 1 < text.Length && text[i + 1] == '\'')
            {
                i++;
                tokens.Add(new Token(TokenType.String, ReadString(text, ref i), start));
                continue;
            }

            if (char.IsDigit(c) || c == '-')
            {
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] is '.' or '-' or '+' or 'e' or 'E')) i++;
                tokens.Add(new Token(TokenType.Number, text[start..i], start));
                continue;
            }

            if (!char.IsLetter(c) && c != '_') throw new FormatException($"unexpected '{c}' at offset {i}");
            var path = false;
            while (i < text.Length)
            {
                var d = text[i];
                if (char.IsLetterOrDigit(d) || d is '_' or '-') i++;
                else if (d is ':' or '.')
                {
                    path = true;
                    i++;
                    if (i < text.Length && text[i] == '\'') ReadString(text, ref i);
                }
                else if (d == '[' && path && i + 2 < text.Length && (text[i + 1] == '*' || char.IsDigit(text[i + 1])))
                {
                    var close = text.IndexOf(']', i);
                    if (close < 0) throw new FormatException($"unclosed index at offset {i}");
                    i = close + 1;
                }
                else break;
            }

            var word = text[start..i];
            tokens.Add(new Token(path ? TokenType.Path : TokenType.Word, path ? word : word.ToUpperInvariant(), start));
        }

        return tokens;
    }

    private static string ReadString(string text, ref int i)
    {
        var start = i;
        var value = new StringBuilder();
        i++;
        while (i < text.Length)
        {
            var c = text[i++];
            if (c == '\\' && i < text.Length) value.Append(text[i++]);
            else if (c == '\'') return value.ToString();
            else value.Append(c);
        }

        throw new FormatException($"unterminated string at offset {start}");
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _depth;

        public int Position { get; private set; }

        public bool Qualified { get; private set; }

        /// <summary>The alternatives of the whole pattern (each a list of terms that must all hold), or null when observations are joined by AND/FOLLOWEDBY.</summary>
        public List<List<Term>>? Pattern()
        {
            Enter();
            var result = Observation();
            while (Peek(TokenType.Word) is { } word && word.Text is "AND" or "OR" or "FOLLOWEDBY")
            {
                Position++;
                var next = Observation();
                result = word.Text == "OR" && result is not null && next is not null ? [.. result, .. next] : null;
            }

            while (Peek(TokenType.Word) is { } qualifier && qualifier.Text is "WITHIN" or "REPEATS" or "START")
            {
                Qualified = true;
                SkipQualifier();
            }

            _depth--;
            return result;
        }

        private List<List<Term>>? Observation()
        {
            if (Take(TokenType.OpenParen) is not null)
            {
                var inner = Pattern();
                Expect(TokenType.CloseParen);
                return inner;
            }

            Expect(TokenType.Open);
            var alternatives = Or();
            Expect(TokenType.Close);
            return alternatives;
        }

        private List<List<Term>> Or()
        {
            Enter();
            var result = And();
            while (Peek(TokenType.Word) is { Text: "OR" })
            {
                Position++;
                result.AddRange(And());
                Bound(result);
            }

            _depth--;
            return result;
        }

        private List<List<Term>> And()
        {
            var result = Comparison();
            while (Peek(TokenType.Word) is { Text: "AND" })
            {
                Position++;
                var right = Comparison();
                result = [.. result.SelectMany(l => right.Select(r => (List<Term>)[.. l, .. r]))];
                Bound(result);
            }

            return result;
        }

        private List<List<Term>> Comparison()
        {
            if (Take(TokenType.OpenParen) is not null)
            {
                var inner = Or();
                Expect(TokenType.CloseParen);
                return inner;
            }

            var path = Expect(TokenType.Path).Text;
            var negated = Take(TokenType.Word, "NOT") is not null;
            var op = Take(TokenType.Operator)?.Text ?? Expect(TokenType.Word).Text;
            if (op == "IN")
            {
                Expect(TokenType.OpenParen);
                var values = new List<string> { Literal() };
                while (Take(TokenType.Comma) is not null) values.Add(Literal());
                Expect(TokenType.CloseParen);
                return [.. values.Select(v => new List<Term> { Term(path, negated ? "NOT IN" : "=", v) })];
            }

            var value = Literal();
            return [[Term(path, negated ? "NOT " + op : op, value)]];
        }

        private string Literal()
        {
            var token = tokens.ElementAtOrDefault(Position) ?? throw new FormatException("pattern ends where a value is expected");
            if (token.Type is not (TokenType.String or TokenType.Number or TokenType.Word)) throw new FormatException($"expected a value at offset {token.Offset}, found '{token.Text}'");
            Position++;
            return token.Text;
        }

        private static Term Term(string path, string op, string value)
        {
            var kind = op is "=" or "ISSUBSET" ? KindOf(path) : null;
            if (kind is not IndicatorKind.Ip && op == "ISSUBSET") kind = null;
            return new Term(op is "=" ? path : $"{path} {op}", kind, kind is null ? null : value);
        }

        private void SkipQualifier()
        {
            var word = tokens[Position++].Text;
            switch (word)
            {
                case "WITHIN":
                    Literal();
                    Take(TokenType.Word, "SECONDS");
                    break;
                case "REPEATS":
                    Literal();
                    Take(TokenType.Word, "TIMES");
                    break;
                default:
                    Literal();
                    Expect(TokenType.Word);
                    Literal();
                    break;
            }
        }

        private void Enter()
        {
            if (++_depth > MaxDepth) throw new FormatException($"nested deeper than {MaxDepth}");
        }

        private static void Bound(List<List<Term>> alternatives)
        {
            if (alternatives.Count > MaxTerms || alternatives.Sum(a => a.Count) > MaxTerms) throw new FormatException($"more than {MaxTerms} terms");
        }

        private Token? Peek(TokenType type) => Position < tokens.Count && tokens[Position].Type == type ? tokens[Position] : null;

        private Token? Take(TokenType type, string? text = null)
        {
            if (Peek(type) is not { } token || (text is not null && token.Text != text)) return null;
            Position++;
            return token;
        }

        private Token Expect(TokenType type)
        {
            if (Take(type) is { } token) return token;
            if (Position >= tokens.Count) throw new FormatException($"pattern ends where {Describe(type)} is expected");
            throw new FormatException($"expected {Describe(type)} at offset {tokens[Position].Offset.ToString(CultureInfo.InvariantCulture)}, found '{tokens[Position].Text}'");
        }

        private static string Describe(TokenType type) => type switch
        {
            TokenType.Open => "'['",
            TokenType.Close => "']'",
            TokenType.CloseParen => "')'",
            TokenType.Path => "an object path",
            _ => "an operator",
        };
    }

    /// <summary>The kind of value an object path holds, when it is one that can be looked up.</summary>
    private static IndicatorKind? KindOf(string path)
    {
        var colon = path.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return null;
        var type = path[..colon];
        var property = path[(colon + 1)..].Replace("'", "", StringComparison.Ordinal);
        if (type is "file" or "artifact" && property.StartsWith("hashes.", StringComparison.Ordinal))
        {
            return property[7..].ToUpperInvariant() switch
            {
                "SHA-256" or "SHA256" => IndicatorKind.Sha256,
                "SHA-1" or "SHA1" => IndicatorKind.Sha1,
                "MD5" => IndicatorKind.Md5,
                _ => null,
            };
        }

        return (type, property) switch
        {
            ("domain-name", "value") => IndicatorKind.Domain,
            ("ipv4-addr" or "ipv6-addr", "value") => IndicatorKind.Ip,
            ("url", "value") => IndicatorKind.Url,
            ("email-addr", "value") => IndicatorKind.Email,
            _ => null,
        };
    }
}
