using System.Globalization;
using System.Text;
using PipeWatch.Sources.Files;

namespace PipeWatch.Sources.Runner.Prometheus;

/// <summary>Reads the Prometheus text exposition format (version 0.0.4), and OpenMetrics text where it differs cheaply, into an <see cref="Exposition"/>.</summary>
/// <remarks>
/// A line is a sample (<c>name{label="value",…} value [timestamp]</c>), a <c># HELP name text</c> or <c># TYPE name type</c>
/// line, another comment (ignored), or blank. Label values unescape <c>\\</c>, <c>\"</c> and <c>\n</c>; HELP text <c>\\</c>
/// and <c>\n</c>. Values are floats with <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>; timestamps are integer milliseconds.
/// OpenMetrics: <c># UNIT</c> is kept, <c># EOF</c> ends the scrape, an exemplar (<c># {…} v</c> after the value) is skipped,
/// and timestamps are read as (fractional) seconds once the <c># EOF</c> shows the scrape is OpenMetrics. Samples of
/// <c>x_bucket</c>, <c>x_sum</c>, <c>x_count</c> (and <c>_total</c>, <c>_created</c>, <c>_gsum</c>, <c>_gcount</c>, <c>_info</c>)
/// belong to the family <c>x</c> when <c>x</c> is declared. A bad line is skipped with its number and reason; the rest is read.
/// Bounded by <see cref="ExpositionLimits"/>. Not thread-safe; one parser per scrape is cheap.
/// </remarks>
internal sealed class ExpositionParser(ExpositionLimits? limits = null)
{
    private static readonly string[] FamilySuffixes = ["_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount", "_info"];

    private static readonly System.Buffers.SearchValues<char> NameChars = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");

    private readonly ExpositionLimits _limits = limits ?? new ExpositionLimits();

    /// <summary>Reads one scrape from <paramref name="reader"/> to its end (or <c># EOF</c>).</summary>
    public async Task<Exposition> ParseAsync(TextReader reader, CancellationToken cancellationToken = default)
    {
        var state = new State(_limits);
        var lines = new BoundedLineReader(reader, _limits.MaxLineChars);
        var number = 0;
        while (await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            number++;
            if (lines.LastWasCut)
            {
                state.Problem(number, $"line longer than {_limits.MaxLineChars:N0} characters; skipped");
                continue;
            }

            if (state.Ended)
            {
                if (line.Length > 0) state.Problem(number, "text after '# EOF'; ignored");
                break;
            }

            state.Line(line, number);
            if (state.Truncated) break;
        }

        return state.Finish();
    }

    /// <summary>Reads one scrape from a string.</summary>
    public Task<Exposition> ParseAsync(string text, CancellationToken cancellationToken = default) => ParseAsync(new StringReader(text), cancellationToken);

    private sealed class State(ExpositionLimits limits)
    {
        private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
        private readonly HashSet<string> _sampled = new(StringComparer.Ordinal);
        private readonly List<(string Name, List<KeyValuePair<string, string>> Labels, double Value, string? Timestamp, int Line)> _samples = [];
        private readonly List<string> _problems = [];
        private int _problemCount;

        public bool Ended { get; private set; }

        public bool Truncated { get; private set; }

        public void Problem(int line, string reason)
        {
            _problemCount++;
            if (_problems.Count < limits.MaxProblems) _problems.Add($"line {line}: {reason}");
        }

        public void Line(string line, int number)
        {
            var text = line.AsSpan().TrimStart(" \t");
            if (text.IsEmpty) return;
            if (text[0] == '#')
            {
                Comment(text[1..], number);
                return;
            }

            if (_samples.Count >= limits.MaxSeries)
            {
                Truncated = true;
                Problem(number, $"more than {limits.MaxSeries:N0} samples; the rest of the scrape is not read");
                return;
            }

            if (Sample(text, number, out var reason) is { } sample) _samples.Add(sample);
            else Problem(number, reason!);
        }

        public Exposition Finish()
        {
            if (_problemCount > _problems.Count) _problems[^1] += $" (and {_problemCount - _problems.Count} more problems)";
            var samples = new List<MetricSample>(_samples.Count);
            foreach (var (name, labels, value, timestamp, line) in _samples)
            {
                long? ms = null;
                if (timestamp is not null)
                {
                    ms = Timestamp(timestamp, Ended);
                    if (ms is null)
                    {
                        Problem(line, $"timestamp '{Clip(timestamp)}' is not a number; sample skipped");
                        continue;
                    }
                }

                var family = FamilyOf(name);
                samples.Add(new MetricSample(name, labels, value, ms, family?.Name ?? name, family?.Type ?? "untyped"));
            }

            return new Exposition(samples, _families, _problems, Ended, Truncated);
        }

        private void Comment(ReadOnlySpan<char> rest, int number)
        {
            var parts = rest.ToString().TrimStart(' ', '\t');
            if (parts == "EOF")
            {
                Ended = true;
                return;
            }

            var keyword = Token(ref parts);
            if (keyword is not ("HELP" or "TYPE" or "UNIT")) return; // Any other comment.
            var name = Token(ref parts);
            if (!IsMetricName(name))
            {
                Problem(number, $"# {keyword} without a valid metric name; ignored");
                return;
            }

            if (!_families.TryGetValue(name, out var family))
            {
                if (_families.Count >= limits.MaxFamilies)
                {
                    Problem(number, $"more than {limits.MaxFamilies:N0} metric families; '# {keyword}' ignored");
                    return;
                }

                family = new MetricFamily(name, "untyped", null, null);
            }

            switch (keyword)
            {
                case "HELP":
                    if (family.Help is not null) Problem(number, $"a second # HELP for '{name}'; ignored");
                    else family = family with { Help = UnescapeHelp(parts) };
                    break;
                case "UNIT":
                    family = family with { Unit = parts.Trim() };
                    break;
                default:
                    var type = Token(ref parts);
                    if (type is not ("counter" or "gauge" or "histogram" or "summary" or "untyped" or "unknown" or "info" or "stateset" or "gaugehistogram"))
                    {
                        Problem(number, $"# TYPE '{Clip(type)}' for '{name}' is not a metric type; ignored");
                        return;
                    }

                    if (family.Type != "untyped" || _sampled.Contains(name))
                    {
                        Problem(number, $"# TYPE for '{name}' after its first sample or a second time; ignored");
                        return;
                    }

                    family = family with { Type = type == "unknown" ? "untyped" : type };
                    break;
            }

            _families[name] = family;
        }

        private (string, List<KeyValuePair<string, string>>, double, string?, int)? Sample(ReadOnlySpan<char> text, int number, out string? reason)
        {
            reason = null;
            var at = 0;
            while (at < text.Length && (at == 0 ? IsNameStart(text[at]) : IsNameChar(text[at]))) at++;
            if (at == 0)
            {
                reason = "not a sample: it must start with a metric name";
                return null;
            }

            var name = text[..at].ToString();
            var labels = new List<KeyValuePair<string, string>>();
            var brace = SkipBlank(text, at);
            if (brace < text.Length && text[brace] == '{')
            {
                at = Labels(text, brace + 1, labels, out reason);
                if (at < 0) return null;
            }

            var rest = text[at..].ToString();
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '\t'))
            {
                reason = $"sample '{Clip(name)}' has no value";
                return null;
            }

            var valueToken = Token(ref rest);
            if (Value(valueToken) is not { } value)
            {
                reason = $"'{Clip(valueToken)}' is not a sample value";
                return null;
            }

            string? timestamp = null;
            var next = Token(ref rest);
            if (next.Length > 0 && next[0] != '#')
            {
                timestamp = next;
                next = Token(ref rest);
            }

            if (next.Length > 0 && next[0] != '#')
            {
                reason = $"unexpected '{Clip(next)}' after the value of '{Clip(name)}'";
                return null;
            }

            _sampled.Add(FamilyOf(name)?.Name ?? name);
            return (name, labels, value, timestamp, number);
        }

        // Reads label pairs after '{' up to and including '}'; the index after it, or -1 with the reason.
        private int Labels(ReadOnlySpan<char> text, int at, List<KeyValuePair<string, string>> labels, out string? reason)
        {
            reason = null;
            var value = new StringBuilder();
            while (true)
            {
                at = SkipBlank(text, at);
                if (at >= text.Length)
                {
                    reason = "labels not closed with '}'";
                    return -1;
                }

                if (text[at] == '}') return at + 1;
                var start = at;
                while (at < text.Length && (at == start ? IsLabelStart(text[at]) : IsLabelChar(text[at]))) at++;
                if (at == start)
                {
                    reason = $"a label name cannot start with '{text[at]}'";
                    return -1;
                }

                var label = text[start..at].ToString();
                at = SkipBlank(text, at);
                if (at >= text.Length || text[at] != '=')
                {
                    reason = $"label '{Clip(label)}' has no '='";
                    return -1;
                }

                at = SkipBlank(text, at + 1);
                if (at >= text.Length || text[at] != '"')
                {
                    reason = $"the value of label '{Clip(label)}' is not quoted";
                    return -1;
                }

                value.Clear();
                for (at++; ; at++)
                {
                    if (at >= text.Length)
                    {
                        reason = $"the value of label '{Clip(label)}' is not closed";
                        return -1;
                    }

                    var c = text[at];
                    if (c == '"') break;
                    if (c != '\\')
                    {
                        value.Append(c);
                        continue;
                    }

                    at++;
                    switch (at < text.Length ? text[at] : '\0')
                    {
                        case '\\': value.Append('\\'); break;
                        case '"': value.Append('"'); break;
                        case 'n': value.Append('\n'); break;
                        default:
                            reason = $"the value of label '{Clip(label)}' has an invalid escape";
                            return -1;
                    }
                }

                if (labels.Exists(l => l.Key == label))
                {
                    reason = $"label '{Clip(label)}' appears twice";
                    return -1;
                }

                if (labels.Count >= limits.MaxLabels)
                {
                    reason = $"more than {limits.MaxLabels} labels";
                    return -1;
                }

                labels.Add(new(label, value.ToString()));
                at = SkipBlank(text, at + 1);
                if (at < text.Length && text[at] == ',') at++;
                else if (at < text.Length && text[at] != '}')
                {
                    reason = $"expected ',' or '}}' after label '{Clip(label)}'";
                    return -1;
                }
            }
        }

        private MetricFamily? FamilyOf(string name)
        {
            if (_families.TryGetValue(name, out var family)) return family;
            foreach (var suffix in FamilySuffixes)
            {
                if (name.EndsWith(suffix, StringComparison.Ordinal) && _families.TryGetValue(name[..^suffix.Length], out family) && family.Type != "untyped") return family;
            }

            return null;
        }
    }

    /// <summary>A sample value: a float as Go's ParseFloat reads it, with <c>NaN</c> and <c>±Inf</c> in any case.</summary>
    internal static double? Value(string token)
    {
        var body = token.Length > 0 && token[0] is '+' or '-' ? token[1..] : token;
        var negative = token.StartsWith('-');
        if (body.Equals("Inf", StringComparison.OrdinalIgnoreCase) || body.Equals("Infinity", StringComparison.OrdinalIgnoreCase)) return negative ? double.NegativeInfinity : double.PositiveInfinity;
        if (body.Equals("NaN", StringComparison.OrdinalIgnoreCase)) return double.NaN;
        if (body.Length == 0 || !(char.IsAsciiDigit(body[0]) || body[0] == '.')) return null;
        return double.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    // 0.0.4: integer milliseconds; OpenMetrics: seconds, maybe fractional.
    private static long? Timestamp(string token, bool openMetrics)
    {
        if (!openMetrics) return long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms) ? ms : null;
        return Value(token) is { } seconds && double.IsFinite(seconds) && Math.Abs(seconds) < 1e15 ? (long)Math.Round(seconds * 1000) : null;
    }

    private static string UnescapeHelp(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '\\' or 'n')
            {
                result.Append(text[++i] == 'n' ? '\n' : '\\');
            }
            else
            {
                result.Append(text[i]);
            }
        }

        return result.ToString();
    }

    // The next blank-separated token of the text, which is left after it (leading blanks removed).
    private static string Token(ref string text)
    {
        text = text.TrimStart(' ', '\t');
        var end = text.AsSpan().IndexOfAny(' ', '\t');
        var token = end < 0 ? text : text[..end];
        text = end < 0 ? string.Empty : text[(end + 1)..].TrimStart(' ', '\t');
        return token;
    }

    private static int SkipBlank(ReadOnlySpan<char> text, int at)
    {
        while (at < text.Length && text[at] is ' ' or '\t') at++;
        return at;
    }

    private static bool IsMetricName(string name) => name.Length > 0 && IsNameStart(name[0]) && name.AsSpan(1).IndexOfAnyExcept(NameChars) < 0;

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c is '_' or ':';

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or ':';

    private static bool IsLabelStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsLabelChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    // Attacker text in a problem: short, and without control characters.
    private static string Clip(string text)
    {
        var cut = text.Length > 64 ? text[..64] + "…" : text;
        return string.Create(cut.Length, cut, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? '?' : s[i];
        });
    }
}
