using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace PipeWatch.Rules.Sigma;

/// <summary>Turns one detection item (a field, its modifiers and its values) into a compiled test; regexes are built here, once.</summary>
internal static partial class SigmaValueCompiler
{
    private const RegexOptions Glob = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking;
    private const int MaxVariants = 1024;

    // Windows flag characters the windash modifier stands for: hyphen, slash, en dash, em dash, horizontal bar.
    private static readonly char[] WindashChars = ['-', '/', '\u2013', '\u2014', '\u2015'];

    private static readonly HashSet<string> TimeParts = ["minute", "hour", "day", "week", "month", "year"];

    private static readonly HashSet<string> Known =
    [
        "contains", "startswith", "endswith", "all", "cased", "re", "i", "m", "s", "cidr", "base64", "base64offset",
        "utf16le", "utf16be", "utf16", "wide", "windash", "exists", "lt", "lte", "gt", "gte", "neq", "fieldref", "expand",
        .. TimeParts,
    ];

    /// <summary>A compiled test, or the reason the item cannot be compiled.</summary>
    /// <param name="field">The field, or null for a keyword (field-less) search.</param>
    /// <param name="values">The values as written; a null entry is the YAML null.</param>
    public static (ISigmaMatcher? Matcher, string? Error) Compile(string? field, IReadOnlyList<string> modifiers, IReadOnlyList<string?> values, SigmaLoadOptions? options = null)
    {
        foreach (var modifier in modifiers)
        {
            if (!Known.Contains(modifier)) return (null, $"unknown modifier '{modifier}'");
        }

        var set = modifiers.ToHashSet(StringComparer.Ordinal);
        var kinds = modifiers.Where(m => m is "contains" or "startswith" or "endswith" or "re" or "cidr" or "exists" or "lt" or "lte" or "gt" or "gte" or "neq").Distinct().ToList();
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
        var transforms = modifiers.Where(m => m is "base64" or "base64offset" or "windash" || m == utf16).ToList();
        if (kind is "re" or "cidr" or "exists" or "lt" or "lte" or "gt" or "gte" or "neq" && transforms.Count > 0)
        {
            return (null, $"'{kind}' cannot be combined with value transformations");
        }

        var timePart = modifiers.FirstOrDefault(TimeParts.Contains);
        if (timePart is not null && (kind is not (null or "lt" or "lte" or "gt" or "gte" or "neq") || transforms.Count > 0 || set.Contains("fieldref")))
        {
            return (null, $"'{timePart}' can only be followed by lt, lte, gt, gte or neq");
        }

        if (field is null && (kind is "exists" or "neq" || set.Contains("fieldref") || timePart is not null)) return (null, $"'{kind ?? timePart ?? "fieldref"}' needs a field");

        // expand: every %name% placeholder replaced by each of its configured values.
        if (set.Contains("expand"))
        {
            var (expanded, error) = Expand(values, options ?? SigmaLoadOptions.Default);
            if (error is not null) return (null, error);
            values = expanded!;
        }

        if (kind == "exists")
        {
            if (values.Count != 1 || values[0] is not ("true" or "false")) return (null, "'exists' takes the value true or false");
            return (new ExistsMatcher(field!, values[0] == "true"), null);
        }

        var describe = $"{field ?? "keyword"}{string.Concat(modifiers.Select(m => "|" + m))}";
        if (set.Contains("fieldref"))
        {
            if (kind is "re" or "cidr" or "lt" or "lte" or "gt" or "gte" || transforms.Count > 0 || set.Contains("expand")) return (null, $"'fieldref' cannot be combined with '{kind ?? transforms.FirstOrDefault() ?? "expand"}'");
            if (values.Any(v => string.IsNullOrEmpty(v))) return (null, "'fieldref' takes field names");
            var position = kind switch { "contains" => Position.Contains, "startswith" => Position.StartsWith, "endswith" => Position.EndsWith, _ => Position.Equals };
            var comparison = set.Contains("cased") ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            return (new FieldRefMatcher(field!, [.. values!], position, comparison, kind == "neq", all, describe), null);
        }

        var tests = new List<Func<string?, bool>>();
        var literals = new List<string[]?>();
        foreach (var value in values)
        {
            var (test, required, error) = timePart is not null ? TimeValue(timePart, kind, value) : CompileValue(kind, modifiers, value, field is null);
            if (error is not null) return (null, error);
            tests.Add(test!);
            literals.Add(required);
        }

        // A necessary literal: with 'all', any one value's (the first); otherwise every value must give one.
        // Keywords need their literal in some value of the event: the prefilter's "any field".
        SigmaLiterals? requirement = null;
        var scope = field ?? SigmaLiterals.AnyField;
        if (kind != "neq")
        {
            requirement = all
                ? literals.OfType<string[]>().Select(l => new SigmaLiterals([.. l.Select(x => (scope, x))])).OrderBy(r => r.AnyOf.Count).FirstOrDefault()
                : literals.All(l => l is not null) ? new SigmaLiterals([.. literals.SelectMany(l => l!).Distinct().Select(x => (scope, x))]) : null;
        }

        var description = $"{describe}: {string.Join(", ", values.Select(v => v is null ? "null" : $"'{v}'"))}";
        return (field is null ? new KeywordMatcher(tests, all, requirement, description) : new FieldMatcher(field, tests, all, kind == "neq", requirement, description), null);
    }

    private static (IReadOnlyList<string?>? Values, string? Error) Expand(IReadOnlyList<string?> values, SigmaLoadOptions options)
    {
        var result = new List<string?>();
        foreach (var value in values)
        {
            if (value is null)
            {
                result.Add(null);
                continue;
            }

            var variants = new List<string> { value };
            foreach (Match match in Placeholder().Matches(value))
            {
                var name = match.Groups[1].Value;
                if (!options.Placeholders.TryGetValue(name, out var replacements) || replacements.Count == 0)
                {
                    return (null, $"placeholder '%{name}%' has no values (set sigma.placeholders.{name} in pipewatch.yml)");
                }

                variants = [.. variants.SelectMany(v => replacements.Select(r => v.Replace(match.Value, r, StringComparison.Ordinal)))];
                if (variants.Count > MaxVariants) return (null, $"'expand' on '{value}' gives more than {MaxVariants} values");
            }

            result.AddRange(variants);
        }

        return (result, null);
    }

    [GeneratedRegex("%([A-Za-z0-9_.-]+)%")]
    private static partial Regex Placeholder();

    private static (Func<string?, bool>? Test, string[]? Literals, string? Error) TimeValue(string part, string? kind, string? value)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var expected)) return (null, null, $"'{part}' needs a whole number, got '{value}'");
        return (v =>
        {
            if (v is null || !DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return kind == "neq" && v is null;
            time = time.ToUniversalTime();
            var n = part switch
            {
                "minute" => time.Minute,
                "hour" => time.Hour,
                "day" => time.Day,
                "week" => ISOWeek.GetWeekOfYear(time.UtcDateTime),
                "month" => time.Month,
                _ => time.Year,
            };
            return Compare(kind, n, expected);
        }, null, null);
    }

    private static bool Compare(string? kind, double n, double limit) => kind switch
    {
        "lt" => n < limit,
        "lte" => n <= limit,
        "gt" => n > limit,
        "gte" => n >= limit,
        "neq" => n != limit,
        _ => n == limit,
    };

    private static (Func<string?, bool>? Test, string[]? Literals, string? Error) CompileValue(string? kind, IReadOnlyList<string> modifiers, string? value, bool keyword)
    {
        if (value is null)
        {
            return kind switch
            {
                null => (v => v is null, null, null),
                "neq" => (v => v is not null, null, null),
                _ => (null, null, $"'{kind}' cannot match a null value"),
            };
        }

        switch (kind)
        {
            case "re":
                var (regex, error) = Regex(value, modifiers);
                return (regex, null, error);
            case "cidr":
                if (!IPNetwork.TryParse(value, out var network)) return (null, null, $"'{value}' is not a CIDR network");
                return (v => v is not null && IPAddress.TryParse(v, out var ip) && network.Contains(ip), null, null);
            case "lt" or "lte" or "gt" or "gte":
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var limit)) return (null, null, $"'{kind}' needs a number, got '{value}'");
                return (v => v is not null && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && Compare(kind, n, limit), null, null);
            case "neq":
                // Numbers compare as numbers (10 and 10.0 are equal), everything else as text; an absent field is different.
                var comparison = modifiers.Contains("cased") ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
                var isNumber = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number);
                return (v => v is null || (isNumber && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n != number : !v.Equals(value, comparison)), null, null);
        }

        // Keywords search inside any value, as full-text search does.
        var position = kind switch { "contains" => Position.Contains, "startswith" => Position.StartsWith, "endswith" => Position.EndsWith, _ => keyword ? Position.Contains : Position.Equals };
        var variants = new List<string> { value };
        if (modifiers.Contains("windash"))
        {
            variants = Windash(value);
            if (variants.Count > MaxVariants) return (null, null, $"'windash' on '{value}' gives more than {MaxVariants} variants");
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
            var encodedLiterals = variants.ToArray();
            return (v => v is not null && encodedLiterals.Any(l => Literal(v, l, position, StringComparison.Ordinal)), NonEmpty(encodedLiterals), null);
        }

        var textComparison = modifiers.Contains("cased") ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        var compiled = variants.Select(v => Pattern(v, position, textComparison)).ToArray();
        var required = compiled.Select(c => c.Literal).ToArray();
        Func<string?, bool> test = compiled.Length == 1 ? compiled[0].Test : v => compiled.Any(t => t.Test(v));
        return (test, required.All(r => r is { Length: > 0 }) ? NonEmpty(required!) : null, null);
    }

    private static string[]? NonEmpty(string[] literals) => literals.All(l => l.Length > 0) ? literals : null;

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
                // Lookarounds and backreferences need the backtracking engine; one that can backtrack without end is refused, since a
                // timed-out match counts as none and a padded value would hide the event.
                if (RegexSafety.Risk(pattern, options) is { } risk) return (null, $"regular expression '{pattern}': {risk}");
                regex = new Regex(pattern, options | RegexOptions.Compiled, TimeSpan.FromMilliseconds(100));
            }
        }
        catch (ArgumentException e)
        {
            return (null, $"invalid regular expression '{pattern}': {e.Message}");
        }

        return (v => v is not null && IsMatch(regex, v), null);
    }

    // Only the backtracking fallback has a timeout. Its RegexMatchTimeoutException goes up to the matcher of the field, which
    // counts it on the event (SigmaTimeouts) and takes it as no match for this test alone: the other tests and rules still run.
    private static bool IsMatch(Regex regex, string value) => regex.IsMatch(value);

    /// <summary>Runs one value test; a regular expression that timed out is counted on <paramref name="source"/> and is no match.</summary>
    private static bool Run(Func<string?, bool> test, string? value, ISigmaFieldSource source)
    {
        try
        {
            return test(value);
        }
        catch (RegexMatchTimeoutException)
        {
            (source as SigmaEventFields)?.CountRegexTimeout();
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

    // A value with unescaped wildcards becomes a regex; a plain value stays a string comparison. The literal is the value
    // without wildcards, or its longest wildcard-free piece: text any match must contain.
    private static (Func<string?, bool> Test, string? Literal) Pattern(string value, Position position, StringComparison comparison)
    {
        var regex = new StringBuilder();
        var literal = new StringBuilder();
        var pieces = new List<string>();
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
                pieces.Add(literal.ToString());
                literal.Clear();
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
            return (v => v is not null && Literal(v, text, position, comparison), text);
        }

        pieces.Add(literal.ToString());
        var anchored = position switch
        {
            Position.Equals => $@"\A{regex}\z",
            Position.StartsWith => $@"\A{regex}",
            Position.EndsWith => $@"{regex}\z",
            _ => regex.ToString(),
        };
        var options = comparison == StringComparison.Ordinal ? Glob & ~RegexOptions.IgnoreCase : Glob;
        Regex compiled;
        try
        {
            compiled = new Regex(anchored, options);
        }
        catch (NotSupportedException)
        {
            // A value too large for the linear-time engine's automaton (found by the fuzz harness): the backtracking engine,
            // with the timeout of |re values.
            compiled = new Regex(anchored, options & ~RegexOptions.NonBacktracking, TimeSpan.FromMilliseconds(100));
        }

        return (v => v is not null && IsMatch(compiled, v), pieces.MaxBy(p => p.Length));
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
            if (variants.Count > MaxVariants) break;
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

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private sealed class ExistsMatcher(string field, bool expected) : ISigmaMatcher
    {
        public SigmaLiterals? Required => null;

        // Presence only: a field that is there with a null or empty value exists.
        public bool Matches(ISigmaFieldSource source) => source.TryGet(field, out _) == expected;

        public override string ToString() => $"{field}|exists: {(expected ? "true" : "false")}";
    }

    /// <summary>A field compared with another field of the same event (<c>fieldref</c>), optionally negated (<c>neq</c>).</summary>
    private sealed class FieldRefMatcher(string field, string[] others, Position position, StringComparison comparison, bool negate, bool all, string description) : ISigmaMatcher
    {
        public SigmaLiterals? Required => null;

        public bool Matches(ISigmaFieldSource source)
        {
            source.TryGet(field, out var raw);
            var value = Text(raw);
            return all ? others.All(Test) : others.Any(Test);

            bool Test(string other)
            {
                source.TryGet(other, out var otherRaw);
                var reference = Text(otherRaw);
                var equal = value is not null && reference is not null && Literal(value, reference, position, comparison);
                return negate ? !equal : equal;
            }
        }

        public override string ToString() => $"{description}: {string.Join(", ", others)}";
    }

    private sealed class FieldMatcher(string field, IReadOnlyList<Func<string?, bool>> tests, bool all, bool negated, SigmaLiterals? required, string description) : ISigmaMatcher
    {
        public SigmaLiterals? Required => required;

        public bool Matches(ISigmaFieldSource source)
        {
            source.TryGet(field, out var value);
            if (value is not string && value is IEnumerable<string> many)
            {
                var items = many.ToList();
                if (negated) return all ? tests.All(t => items.All(v => Run(t, v, source))) : tests.Any(t => items.All(v => Run(t, v, source)));
                return all ? tests.All(t => items.Any(v => Run(t, v, source))) : tests.Any(t => items.Any(v => Run(t, v, source)));
            }

            var text = Text(value);
            if (all)
            {
                foreach (var test in tests)
                {
                    if (!Run(test, text, source)) return false;
                }

                return true;
            }

            foreach (var test in tests)
            {
                if (Run(test, text, source)) return true;
            }

            return false;
        }

        public override string ToString() => description;
    }

    private sealed class KeywordMatcher(IReadOnlyList<Func<string?, bool>> tests, bool all, SigmaLiterals? required, string description) : ISigmaMatcher
    {
        public SigmaLiterals? Required => required;

        public bool Matches(ISigmaFieldSource source)
        {
            if (all) return tests.All(t => source.AllValues().Any(v => Run(t, v, source)));
            foreach (var value in source.AllValues())
            {
                foreach (var test in tests)
                {
                    if (Run(test, value, source)) return true;
                }
            }

            return false;
        }

        public override string ToString() => description;
    }
}
