using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace PipeWatch.Rules.Sigma;

/// <summary>Turns one detection item (a field, its modifiers and its values) into a compiled test; regexes are built here, once.</summary>
internal static class SigmaValueCompiler
{
    private const RegexOptions Glob = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking;
    private const int MaxWindashVariants = 1024;

    // Windows flag characters the windash modifier stands for: hyphen, slash, en dash, em dash, horizontal bar.
    private static readonly char[] WindashChars = ['-', '/', '\u2013', '\u2014', '\u2015'];

    private static readonly HashSet<string> Known =
    [
        "contains", "startswith", "endswith", "all", "cased", "re", "i", "m", "s", "cidr", "base64", "base64offset",
        "utf16le", "utf16be", "utf16", "wide", "windash", "exists", "lt", "lte", "gt", "gte",
    ];

    /// <summary>A compiled test, or the reason the item cannot be compiled.</summary>
    /// <param name="field">The field, or null for a keyword (field-less) search.</param>
    /// <param name="values">The values as written; a null entry is the YAML null.</param>
    public static (ISigmaMatcher? Matcher, string? Error) Compile(string? field, IReadOnlyList<string> modifiers, IReadOnlyList<string?> values)
    {
        foreach (var modifier in modifiers)
        {
            if (modifier is "expand" or "fieldref" or "neq" or "minute" or "hour" or "day" or "week" or "month" or "year") return (null, $"modifier '{modifier}' is not supported yet");
            if (!Known.Contains(modifier)) return (null, $"unknown modifier '{modifier}'");
        }

        var set = modifiers.ToHashSet(StringComparer.Ordinal);
        var kinds = modifiers.Where(m => m is "contains" or "startswith" or "endswith" or "re" or "cidr" or "exists" or "lt" or "lte" or "gt" or "gte").Distinct().ToList();
        if (kinds.Count > 1) return (null, $"modifiers '{kinds[0]}' and '{kinds[1]}' cannot be combined");
        var kind = kinds.Count == 1 ? kinds[0] : null;
        if (values.Count == 0) return (null, "no values to match");
        var all = set.Contains("all");
        if (all && values.Count < 2) return (null, "'all' needs a list of two or more values");
        if (set.Contains("cased") && kind is "re" or "cidr" or "exists" or "lt" or "lte" or "gt" or "gte") return (null, $"'cased' cannot be combined with '{kind}'");

        if (modifiers.Any(m => m is "i" or "m" or "s") && kind != "re") return (null, "the regex flags 'i', 'm' and 's' need the 're' modifier");
        if (set.Contains("base64offset") && kind != "contains") return (null, "'base64offset' needs the 'contains' modifier");
        var utf16 = modifiers.FirstOrDefault(m => m is "utf16le" or "utf16be" or "utf16" or "wide");
        if (utf16 is not null && !set.Contains("base64") && !set.Contains("base64offset")) return (null, $"'{utf16}' must be followed by 'base64' or 'base64offset'");
        if (kind is "re" or "cidr" or "exists" or "lt" or "lte" or "gt" or "gte" && modifiers.Any(m => m is "base64" or "base64offset" or "windash" || m == utf16))
        {
            return (null, $"'{kind}' cannot be combined with value transformations");
        }

        if (kind == "exists")
        {
            if (field is null) return (null, "'exists' needs a field");
            if (values.Count != 1 || values[0] is not ("true" or "false")) return (null, "'exists' takes the value true or false");
            return (new ExistsMatcher(field, values[0] == "true"), null);
        }

        var tests = new List<Func<string?, bool>>();
        foreach (var value in values)
        {
            var (test, error) = CompileValue(kind, modifiers, value, field is null);
            if (error is not null) return (null, error);
            tests.Add(test!);
        }

        return (field is null ? new KeywordMatcher(tests, all) : new FieldMatcher(field, tests, all), null);
    }

    private static (Func<string?, bool>? Test, string? Error) CompileValue(string? kind, IReadOnlyList<string> modifiers, string? value, bool keyword)
    {
        if (value is null)
        {
            return kind is null ? (v => v is null, null) : (null, $"'{kind}' cannot match a null value");
        }

        switch (kind)
        {
            case "re":
                return Regex(value, modifiers);
            case "cidr":
                if (!IPNetwork.TryParse(value, out var network)) return (null, $"'{value}' is not a CIDR network");
                return (v => v is not null && IPAddress.TryParse(v, out var ip) && network.Contains(ip), null);
            case "lt" or "lte" or "gt" or "gte":
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var limit)) return (null, $"'{kind}' needs a number, got '{value}'");
                return (v => v is not null && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && kind switch
                {
                    "lt" => n < limit,
                    "lte" => n <= limit,
                    "gt" => n > limit,
                    _ => n >= limit,
                }, null);
        }

        // Keywords search inside any value, as full-text search does.
        var position = kind switch { "contains" => Position.Contains, "startswith" => Position.StartsWith, "endswith" => Position.EndsWith, _ => keyword ? Position.Contains : Position.Equals };
        var variants = new List<string> { value };
        if (modifiers.Contains("windash"))
        {
            variants = Windash(value);
            if (variants.Count > MaxWindashVariants) return (null, $"'windash' on '{value}' gives more than {MaxWindashVariants} variants");
        }

        var encoded = modifiers.Contains("base64") || modifiers.Contains("base64offset");
        if (encoded)
        {
            // utf16 (unlike utf16le and utf16be) starts with the byte order mark.
            Func<string, byte[]> bytes = modifiers.FirstOrDefault(m => m is "utf16le" or "wide") is not null ? Encoding.Unicode.GetBytes
                : modifiers.Contains("utf16be") ? Encoding.BigEndianUnicode.GetBytes
                : modifiers.Contains("utf16") ? v => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(v)]
                : Encoding.UTF8.GetBytes;
            variants = [.. variants.SelectMany(v => modifiers.Contains("base64offset") ? Base64Offsets(bytes(v)) : [Convert.ToBase64String(bytes(v))])];

            // Encoded text is matched as written: base64 is case-sensitive.
            var literals = variants.ToArray();
            return (v => v is not null && literals.Any(l => Literal(v, l, position, StringComparison.Ordinal)), null);
        }

        var comparison = modifiers.Contains("cased") ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var tests = variants.Select(v => Pattern(v, position, comparison)).ToArray();
        return tests.Length == 1 ? (tests[0], null) : (v => tests.Any(t => t(v)), null);
    }

    private static (Func<string?, bool>? Test, string? Error) Regex(string pattern, IReadOnlyList<string> modifiers)
    {
        var options = RegexOptions.CultureInvariant;
        if (modifiers.Contains("i")) options |= RegexOptions.IgnoreCase;
        if (modifiers.Contains("m")) options |= RegexOptions.Multiline;
        if (modifiers.Contains("s")) options |= RegexOptions.Singleline;
        Regex regex;
        try
        {
            try
            {
                regex = new Regex(pattern, options | RegexOptions.NonBacktracking);
            }
            catch (NotSupportedException)
            {
                // Lookarounds and backreferences need the backtracking engine.
                regex = new Regex(pattern, options | RegexOptions.Compiled, TimeSpan.FromMilliseconds(100));
            }
        }
        catch (ArgumentException e)
        {
            return (null, $"invalid regular expression '{pattern}': {e.Message}");
        }

        return (v => v is not null && IsMatch(regex, v), null);
    }

    // Only the backtracking fallback has a timeout; a value that takes longer is treated as no match rather than failing the event.
    private static bool IsMatch(Regex regex, string value)
    {
        try
        {
            return regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private enum Position
    {
        Equals,
        Contains,
        StartsWith,
        EndsWith,
    }

    // A value with unescaped wildcards becomes a regex; a plain value stays a case-insensitive string comparison.
    private static Func<string?, bool> Pattern(string value, Position position, StringComparison comparison)
    {
        var regex = new StringBuilder();
        var literal = new StringBuilder();
        var wildcards = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '*' or '?' or '\\')
            {
                literal.Append(value[i + 1]);
                regex.Append(System.Text.RegularExpressions.Regex.Escape(value[++i].ToString()));
            }
            else if (c is '*' or '?')
            {
                wildcards = true;
                regex.Append(c == '*' ? ".*" : ".");
            }
            else
            {
                literal.Append(c);
                regex.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString()));
            }
        }

        if (!wildcards)
        {
            var text = literal.ToString();
            return v => v is not null && Literal(v, text, position, comparison);
        }

        var anchored = position switch
        {
            Position.Equals => $@"\A{regex}\z",
            Position.StartsWith => $@"\A{regex}",
            Position.EndsWith => $@"{regex}\z",
            _ => regex.ToString(),
        };
        var compiled = new Regex(anchored, comparison == StringComparison.Ordinal ? Glob & ~RegexOptions.IgnoreCase : Glob);
        return v => v is not null && compiled.IsMatch(v);
    }

    private static bool Literal(string value, string text, Position position, StringComparison comparison) => position switch
    {
        Position.Equals => value.Equals(text, comparison),
        Position.Contains => value.Contains(text, comparison),
        Position.StartsWith => value.StartsWith(text, comparison),
        _ => value.EndsWith(text, comparison),
    };

    // Every spelling of the value with each of its dash-like characters as any of the windash characters.
    private static List<string> Windash(string value)
    {
        var variants = new List<string> { string.Empty };
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            variants = WindashChars.Contains(c) ? [.. variants.SelectMany(p => WindashChars.Select(d => p + d))] : [.. variants.Select(p => p + c)];
            if (variants.Count > MaxWindashVariants) break;
        }

        return variants;
    }

    // The three base64 spellings of bytes at offsets 0, 1 and 2 of a longer text, without the characters that depend on the neighbours.
    private static IEnumerable<string> Base64Offsets(byte[] bytes)
    {
        int[] start = [0, 2, 3];
        for (var shift = 0; shift < 3; shift++)
        {
            var encoded = Convert.ToBase64String([.. new byte[shift], .. bytes]);
            var trimEnd = ((bytes.Length + shift) % 3) switch { 0 => 0, 1 => 3, _ => 2 };
            yield return encoded[start[shift]..(encoded.Length - trimEnd)];
        }
    }

    private sealed class ExistsMatcher(string field, bool expected) : ISigmaMatcher
    {
        // Presence only: a field that is there with a null or empty value exists.
        public bool Matches(ISigmaFieldSource source) => source.TryGet(field, out _) == expected;
    }

    private sealed class FieldMatcher(string field, IReadOnlyList<Func<string?, bool>> tests, bool all) : ISigmaMatcher
    {
        public bool Matches(ISigmaFieldSource source)
        {
            source.TryGet(field, out var value);
            if (value is not string && value is IEnumerable<string> many)
            {
                var items = many.ToList();
                return all ? tests.All(t => items.Any(t)) : tests.Any(t => items.Any(t));
            }

            var text = value switch
            {
                null => null,
                string s => s,
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            return all ? tests.All(t => t(text)) : tests.Any(t => t(text));
        }
    }

    private sealed class KeywordMatcher(IReadOnlyList<Func<string?, bool>> tests, bool all) : ISigmaMatcher
    {
        public bool Matches(ISigmaFieldSource source)
        {
            var values = source.AllValues();
            return all ? tests.All(t => values.Any(t)) : values.Any(v => tests.Any(t => t(v)));
        }
    }
}
