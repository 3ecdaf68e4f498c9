using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PipeWatch.Findings;

namespace PipeWatch.Rules.Patterns;

/// <summary>
/// The built-in secret rules precomputed from <c>rules/secrets/*.yml</c> into one plain text file
/// (<c>rules/secrets/builtin.compiled.tsv</c>, embedded), which every scan reads at start-up instead of the YAML.
/// </summary>
/// <remarks>
/// <para>
/// Reading the two YAML files was the largest piece of a scan's fixed cost: YamlDotNet's first use in a process (its
/// parser, its node model, the framework's generic code over value types it needs, JIT-compiled in a framework-dependent
/// build) cost ~25 ms of CPU before any rule was read, and a scan of a push's few commits often reads no other YAML.
/// This file holds the rules as the proven YAML load gives them (regex text, resolved secret group, every field), one
/// field a line, so reading it is a split on tabs.
/// </para>
/// <para>
/// The YAML stays the source: <c>BuiltInSecretRulesTests</c> loads it proven (every regex, risk check and example), checks
/// this file is exactly what <see cref="Write"/> makes of that load (regenerate it with <c>PIPEWATCH_UPDATE_GOLDEN=1</c>),
/// and that the rules read here equal the proven ones field by field. The regex of a rule is parsed when a keyword of the
/// rule first hits, as before.
/// </para>
/// <para>
/// Format: a header comment, then per rule <c>id</c>, <c>description</c>, one <c>keyword</c> line each, <c>pattern</c>,
/// <c>group</c>, <c>entropy</c> (only when set), <c>severity</c>, <c>checksum</c> (only when set), <c>window</c>, one
/// <c>match</c> and <c>no-match</c> line per example; key and value separated by one tab, the value escaped
/// (<c>\\</c>, <c>\t</c>, <c>\n</c>, <c>\r</c>).
/// </para>
/// </remarks>
internal static class CompiledSecretRules
{
    /// <summary>The embedded file's resource name.</summary>
    public const string Resource = "PipeWatch.rules.secrets.builtin.compiled.tsv";

    /// <summary>The path the file has in the repository, for errors.</summary>
    public const string File = "rules/secrets/builtin.compiled.tsv";

    private const string Header =
        "# The built-in secret rules of rules/secrets/*.yml as the proven load gives them, read at start-up instead of the YAML.\n" +
        "# Generated: do not edit. Edit the YAML, then run BuiltInSecretRulesTests with PIPEWATCH_UPDATE_GOLDEN=1.\n";

    /// <summary>The embedded built-in rules, each regex parsed on first need.</summary>
    /// <exception cref="InvalidOperationException">The embedded file is missing or malformed (a build defect), naming the file and line.</exception>
    public static IReadOnlyList<SecretRule> LoadEmbedded()
    {
        using var stream = typeof(CompiledSecretRules).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The embedded {File} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Read(reader);
    }

    /// <summary>The text of the file for these rules (the proven load's).</summary>
    public static string Write(IEnumerable<SecretRule> rules)
    {
        var text = new StringBuilder(Header);
        foreach (var rule in rules)
        {
            Line(text, "id", rule.Id);
            Line(text, "description", rule.Description);
            foreach (var keyword in rule.Keywords) Line(text, "keyword", keyword);
            Line(text, "pattern", rule.Pattern.ToString());
            Line(text, "group", rule.SecretGroup.ToString(CultureInfo.InvariantCulture));
            if (rule.Entropy is { } entropy) Line(text, "entropy", entropy.ToString("R", CultureInfo.InvariantCulture));
            Line(text, "severity", rule.Severity.ToWire());
            if (rule.Checksum != SecretChecksum.None) Line(text, "checksum", SecretChecksums.NameOf(rule.Checksum));
            Line(text, "window", rule.Window.ToString(CultureInfo.InvariantCulture));
            foreach (var example in rule.MatchExamples) Line(text, "match", example);
            foreach (var example in rule.NoMatchExamples) Line(text, "no-match", example);
        }

        return text.ToString();
    }

    /// <summary>The rules of a file <see cref="Write"/> made.</summary>
    /// <exception cref="InvalidOperationException">A line that does not belong there, naming the file and line.</exception>
    public static IReadOnlyList<SecretRule> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rules = new List<SecretRule>();
        var lines = new LineReader(reader);
        lines.Next();
        while (lines.Key is not null)
        {
            rules.Add(ReadRule(lines));
        }

        return rules;
    }

    // One rule, its fields in the order Write puts them.
    private static SecretRule ReadRule(LineReader lines)
    {
        var id = lines.Take("id");
        var description = lines.Take("description");
        var keywords = lines.TakeAll("keyword");
        var pattern = lines.Take("pattern");
        var group = Number(lines, "group");
        double? entropy = null;
        if (lines.Key == "entropy")
        {
            var at = lines.Line;
            entropy = double.TryParse(lines.Take("entropy"), NumberStyles.Float, CultureInfo.InvariantCulture, out var bits) ? bits : throw lines.Malformed("'entropy' that is not a number", at);
        }

        var severityAt = lines.Line;
        var severity = SeverityNames.TryParse(lines.Take("severity"), out var parsed) ? parsed : throw lines.Malformed("'severity' that is not a severity", severityAt);
        var checksum = SecretChecksum.None;
        if (lines.Key == "checksum")
        {
            var at = lines.Line;
            if (!SecretChecksums.TryParse(lines.Take("checksum"), out checksum)) throw lines.Malformed("'checksum' that is not a checksum", at);
        }

        var window = Number(lines, "window");
        var match = lines.TakeAll("match");
        var noMatch = lines.TakeAll("no-match");
        return new SecretRule(id, description, keywords, () => new Regex(pattern, RegexOptions.CultureInvariant, SecretRuleLoader.MatchTimeout),
            _ => group, entropy, severity, checksum, window, match, noMatch);
    }

    private static int Number(LineReader lines, string key)
    {
        var at = lines.Line;
        return int.TryParse(lines.Take(key), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : throw lines.Malformed($"'{key}' that is not a number", at);
    }

    private static void Line(StringBuilder text, string key, string value)
    {
        text.Append(key).Append('\t');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\t': text.Append(@"\t"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                default: text.Append(c); break;
            }
        }

        text.Append('\n');
    }

    // The file's lines as key and unescaped value, one ahead; comment lines skipped.
    private sealed class LineReader(TextReader reader)
    {
        private int _line;
        private string _value = string.Empty;

        public string? Key { get; private set; }

        // The line the current key is on.
        public int Line => _line;

        public void Next()
        {
            while (reader.ReadLine() is { } line)
            {
                _line++;
                if (line.StartsWith('#')) continue;
                var tab = line.IndexOf('\t');
                if (tab <= 0) throw Malformed("a line that is not a key, a tab and a value");
                Key = line[..tab];
                _value = Unescape(line.AsSpan(tab + 1));
                return;
            }

            Key = null;
        }

        public string Take(string key)
        {
            if (Key != key) throw Malformed($"'{Key ?? "the end"}' where '{key}' belongs");
            var value = _value;
            Next();
            return value;
        }

        public List<string> TakeAll(string key)
        {
            var values = new List<string>();
            while (Key == key) values.Add(Take(key));
            return values;
        }

        public InvalidOperationException Malformed(string what, int? line = null) =>
            new($"{File}, line {line ?? _line}: {what} (the embedded built-in rules are malformed: regenerate them)");

        private string Unescape(ReadOnlySpan<char> text)
        {
            if (text.IndexOf('\\') < 0) return text.ToString();
            var value = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] != '\\')
                {
                    value.Append(text[i]);
                    continue;
                }

                if (++i == text.Length) throw Malformed("a value that ends in a lone backslash");
                value.Append(text[i] switch
                {
                    '\\' => '\\',
                    't' => '\t',
                    'n' => '\n',
                    'r' => '\r',
                    _ => throw Malformed($"an unknown escape '\\{text[i]}'"),
                });
            }

            return value.ToString();
        }
    }
}
