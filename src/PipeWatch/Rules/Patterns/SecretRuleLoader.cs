using System.Globalization;
using System.Text.RegularExpressions;
using PipeWatch.Yaml;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Rules.Patterns;

/// <summary>The rules that loaded and every problem found, each naming file, line, rule id and reason.</summary>
public sealed record SecretRuleSet(IReadOnlyList<SecretRule> Rules, IReadOnlyList<Problem> Problems);

/// <summary>Reads secret rules from YAML, validates every field, parses the regexes (compiled to IL later, once a rule is busy: <see cref="SecretRule.Matcher"/>) and proves each rule on its own examples.</summary>
/// <remarks>
/// Raw → validated → compiled: a rule with any problem (missing field, bad regex, failing example, duplicate id) is left out
/// and every problem of the file is reported, not just the first.
/// </remarks>
public static class SecretRuleLoader
{
    /// <summary>The name of the embedded built-in rule file.</summary>
    public const string BuiltInResource = "PipeWatch.rules.secrets.builtin.yml";

    // Every rules/secrets/*.yml is embedded under this prefix.
    private const string BuiltInPrefix = "PipeWatch.rules.secrets.";

    /// <summary>How long one match of a secret rule's regex may run.</summary>
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private static readonly string[] Keys =
        ["id", "description", "keywords", "pattern", "secret-group", "entropy", "severity", "checksum", "window", "examples"];

    /// <summary>The built-in rules embedded from <c>rules/secrets/*.yml</c>, as one list: <c>builtin.yml</c> first, then the other files in name order, each proven on its examples.</summary>
    /// <remarks>
    /// Ids are unique across the files; a second rule with an id already loaded is reported and left out. Scans do not read
    /// the YAML: <see cref="SecretRuleBook.BuiltIn"/> reads the precomputed <see cref="CompiledSecretRules"/>, which the tests
    /// check against this load.
    /// </remarks>
    public static SecretRuleSet LoadBuiltIn()
    {
        var assembly = typeof(SecretRuleLoader).Assembly;
        var resources = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(BuiltInPrefix, StringComparison.Ordinal) && n.EndsWith(".yml", StringComparison.Ordinal))
            .OrderBy(n => n == BuiltInResource ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal)
            .ToList();
        if (!resources.Contains(BuiltInResource)) throw new InvalidOperationException("The embedded rules/secrets/builtin.yml is missing.");

        var rules = new List<SecretRule>();
        var problems = new List<Problem>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            var file = "rules/secrets/" + resource[BuiltInPrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var set = Load(file, reader);
            problems.AddRange(set.Problems);
            foreach (var rule in set.Rules)
            {
                if (seen.TryGetValue(rule.Id, out var first))
                {
                    problems.Add(new Problem(file, $"rule '{rule.Id}': duplicate id (first defined in {first})"));
                    continue;
                }

                seen[rule.Id] = file;
                rules.Add(rule);
            }
        }

        return new SecretRuleSet(rules, problems);
    }

    /// <summary>Reads the rules of one YAML file: a mapping with a <c>rules</c> list.</summary>
    public static SecretRuleSet Load(string file, TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var problems = new List<Problem>();
        var rules = new List<SecretRule>();
        var yaml = new YamlStream();
        try
        {
            DepthLimitedParser.Load(yaml, new Parser(reader));
        }
        catch (YamlException e)
        {
            problems.Add(new Problem(file, $"not valid YAML: {e.Message}", (int)e.Start.Line));
            return new SecretRuleSet(rules, problems);
        }

        if (yaml.Documents.Count == 0
            || yaml.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("rules"), out var listNode)
            || listNode is not YamlSequenceNode list)
        {
            problems.Add(new Problem(file, "expected a mapping with a 'rules' list", 1));
            return new SecretRuleSet(rules, problems);
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in list.Children)
        {
            var ruleReader = new RuleReader(file, item, index++, problems);
            if (ruleReader.Read() is not { } rule) continue;
            var line = (int)item.Start.Line;
            if (seen.TryGetValue(rule.Id, out var first))
            {
                problems.Add(new Problem(file, $"rule '{rule.Id}': duplicate id (first defined on line {first})", line));
                continue;
            }

            seen[rule.Id] = line;
            rules.Add(rule);
        }

        return new SecretRuleSet(rules, problems);
    }

    /// <summary>True when <paramref name="id"/> is kebab-case: what <c>^[a-z0-9]+(?:-[a-z0-9]+)*$</c> matches (so one final line feed is allowed, as <c>$</c> allows it).</summary>
    /// <remarks>
    /// A loop, not that regex: every scan reads the built-in rules' ids at start-up, and the first generated regex of the
    /// library a process uses initializes the regex support and the search tables shared by all of the library's generated
    /// regexes, several milliseconds of a one-commit scan that needs none of them. <c>SecretRuleLoaderTests</c> holds the regex
    /// as the reference.
    /// </remarks>
    internal static bool IsKebabCase(string id)
    {
        var text = id.EndsWith('\n') ? id.AsSpan(0, id.Length - 1) : id.AsSpan();
        if (text.IsEmpty || text[0] == '-' || text[^1] == '-') return false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9')) continue;
            if (c != '-' || text[i - 1] == '-') return false;
        }

        return true;
    }

    // Reads one rule mapping, recording each of its problems; null when it has any.
    private sealed class RuleReader(string file, YamlNode node, int index, List<Problem> problems)
    {
        private string _name = $"rules[{index}]";
        private bool _failed;

        public SecretRule? Read()
        {
            if (node is not YamlMappingNode mapping)
            {
                Fail(node, "expected a mapping");
                return null;
            }

            var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
                if (Array.IndexOf(Keys, key) < 0) Fail(keyNode, $"unknown key '{key}' (expected one of: {string.Join(", ", Keys)})");
                else fields[key] = value;
            }

            var id = Text(fields, "id", mapping);
            if (id is not null)
            {
                _name = $"rule '{id}'";
                if (!IsKebabCase(id)) Fail(fields["id"], "id must be kebab-case (lower-case letters, digits and single hyphens)");
            }

            var description = Text(fields, "description", mapping);
            var keywords = Keywords(fields, mapping);
            var pattern = Pattern(fields, mapping);
            var group = SecretGroup(fields, pattern);
            var rest = Rest(fields, mapping);
            if (_failed || id is null || description is null || pattern is null || rest.Severity is not { } severity) return null;

            var rule = new SecretRule(id, description, keywords, pattern, group, rest.Entropy, severity, rest.Checksum, rest.Window, rest.Match, rest.NoMatch);
            Prove(rule, fields["examples"]);
            return _failed ? null : rule;
        }

        // The fields after the regex (in this order: it is the order of the problems).
        private RestOfRule Rest(Dictionary<string, YamlNode> fields, YamlNode mapping)
        {
            var entropy = Entropy(fields);
            var severity = SeverityOf(fields, mapping);
            var checksum = Checksum(fields);
            var window = Window(fields);
            var (match, noMatch) = Examples(fields, mapping);
            return new RestOfRule(entropy, severity, checksum, window, match, noMatch);
        }

        private sealed record RestOfRule(double? Entropy, Severity? Severity, SecretChecksum Checksum, int Window, List<string> Match, List<string> NoMatch);

        // The build refuses a rule whose examples fail: each match example must be found, each no-match example must not.
        private void Prove(SecretRule rule, YamlNode at)
        {
            var scanner = new SecretScanner([rule]);
            foreach (var example in rule.MatchExamples)
            {
                if (Scan(scanner, example, at) is { Count: 0 }) Fail(at, $"match example is not matched: {Shown(example)}");
            }

            foreach (var example in rule.NoMatchExamples)
            {
                if (Scan(scanner, example, at) is { Count: > 0 }) Fail(at, $"no-match example is matched: {Shown(example)}");
            }
        }

        private IReadOnlyList<SecretMatch>? Scan(SecretScanner scanner, string example, YamlNode at)
        {
            try
            {
                return scanner.Scan(example);
            }
            catch (RegexMatchTimeoutException)
            {
                Fail(at, $"pattern timed out on example: {Shown(example)}");
                return null;
            }
        }

        private static string Shown(string example) => example.Length > 60 ? $"'{example[..60]}…'" : $"'{example}'";

        private string? Text(Dictionary<string, YamlNode> fields, string key, YamlNode owner)
        {
            if (!fields.TryGetValue(key, out var value))
            {
                Fail(owner, $"missing required key '{key}'");
                return null;
            }

            if (value is YamlScalarNode { Value: { Length: > 0 } text }) return text;
            Fail(value, $"'{key}' must be a non-empty single value");
            return null;
        }

        private List<string> Strings(YamlNode node, string key)
        {
            var values = new List<string>();
            if (node is YamlScalarNode { Value: { Length: > 0 } one }) values.Add(one);
            else if (node is YamlSequenceNode list)
            {
                foreach (var item in list.Children)
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } text }) values.Add(text);
                    else Fail(item, $"'{key}' entries must be non-empty single values");
                }
            }
            else Fail(node, $"'{key}' must be a list of values");

            return values;
        }

        private List<string> Keywords(Dictionary<string, YamlNode> fields, YamlNode owner)
        {
            if (!fields.TryGetValue("keywords", out var node))
            {
                Fail(owner, "missing required key 'keywords'");
                return [];
            }

            var keywords = Strings(node, "keywords");
            if (keywords.Count == 0) Fail(node, "'keywords' must name at least one literal");
            foreach (var keyword in keywords.Where(k => k != k.ToLowerInvariant())) Fail(node, $"keyword '{keyword}' must be lower-case");
            return keywords;
        }

        private Regex? Pattern(Dictionary<string, YamlNode> fields, YamlNode owner)
        {
            var text = Text(fields, "pattern", owner);
            if (text is null) return null;
            try
            {
                var regex = new Regex(text, RegexOptions.CultureInvariant, MatchTimeout);
                if (RegexSafety.Risk(text, RegexOptions.CultureInvariant) is { } risk)
                {
                    Fail(fields["pattern"], $"pattern can backtrack without end: {risk}");
                    return null;
                }

                return regex;
            }
            catch (ArgumentException e)
            {
                Fail(fields["pattern"], $"invalid regex: {e.Message}");
                return null;
            }
        }

        private int SecretGroup(Dictionary<string, YamlNode> fields, Regex? pattern)
        {
            if (!fields.TryGetValue("secret-group", out var node)) return 0;
            if (node is not YamlScalarNode { Value: { Length: > 0 } text })
            {
                Fail(node, "'secret-group' must be a group number or name");
                return 0;
            }

            if (pattern is null) return 0;
            if (!IsGroup(text, pattern)) Fail(node, $"'secret-group' {text} is not a group of the pattern");
            return GroupNumber(text, pattern);
        }

        // The group a secret-group value (a number or a name) names; 0 (the whole match) for none or no such group.
        private static int GroupNumber(string? text, Regex pattern) => text is null ? 0 : Math.Max(NumberOrName(text, pattern), 0);

        private static bool IsGroup(string text, Regex pattern) => NumberOrName(text, pattern) is var number && number >= 0 && Array.IndexOf(pattern.GetGroupNumbers(), number) >= 0;

        private static int NumberOrName(string text, Regex pattern) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : pattern.GroupNumberFromName(text);

        private double? Entropy(Dictionary<string, YamlNode> fields)
        {
            if (!fields.TryGetValue("entropy", out var node)) return null;
            if (node is YamlScalarNode { Value: { } text }
                && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 8) return value;
            Fail(node, "'entropy' must be a number of bits per character above 0 and at most 8");
            return null;
        }

        private Severity? SeverityOf(Dictionary<string, YamlNode> fields, YamlNode owner)
        {
            var text = Text(fields, "severity", owner);
            if (text is null) return null;
            if (SeverityNames.TryParse(text, out var severity)) return severity;
            Fail(fields["severity"], $"unknown severity '{text}' (expected info, low, medium, high or critical)");
            return null;
        }

        private SecretChecksum Checksum(Dictionary<string, YamlNode> fields)
        {
            if (!fields.TryGetValue("checksum", out var node)) return SecretChecksum.None;
            if (node is YamlScalarNode { Value: { } text } && SecretChecksums.TryParse(text, out var checksum)) return checksum;
            Fail(node, "unknown 'checksum' (expected github-crc32)");
            return SecretChecksum.None;
        }

        private int Window(Dictionary<string, YamlNode> fields)
        {
            if (!fields.TryGetValue("window", out var node)) return SecretRule.DefaultWindow;
            if (node is YamlScalarNode { Value: { } text }
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 16 and <= 65536) return value;
            Fail(node, "'window' must be a whole number of characters from 16 to 65536");
            return SecretRule.DefaultWindow;
        }

        private (List<string> Match, List<string> NoMatch) Examples(Dictionary<string, YamlNode> fields, YamlNode owner)
        {
            if (!fields.TryGetValue("examples", out var node))
            {
                Fail(owner, "missing required key 'examples'");
                return ([], []);
            }

            if (node is not YamlMappingNode examples)
            {
                Fail(node, "'examples' must be a mapping with 'match' and 'no-match' lists");
                return ([], []);
            }

            List<string> Side(string key)
            {
                if (examples.Children.TryGetValue(new YamlScalarNode(key), out var side) && Strings(side, key) is { Count: > 0 } values) return values;
                Fail(node, $"'examples' needs at least one '{key}' example");
                return [];
            }

            foreach (var key in examples.Children.Keys.OfType<YamlScalarNode>().Where(k => k.Value is not ("match" or "no-match")))
            {
                Fail(key, $"unknown key 'examples.{key.Value}' (expected match, no-match)");
            }

            return (Side("match"), Side("no-match"));
        }

        private void Fail(YamlNode at, string reason)
        {
            _failed = true;
            problems.Add(new Problem(file, $"{_name}: {reason}", (int)at.Start.Line));
        }
    }
}
