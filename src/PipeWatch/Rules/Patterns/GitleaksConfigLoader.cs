using System.Text.RegularExpressions;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using Tomlyn;
using Tomlyn.Model;

namespace PipeWatch.Rules.Patterns;

/// <summary>The rules a gitleaks config compiled to, and every problem found in it.</summary>
public sealed record GitleaksConfig(SecretRuleBook Rules, IReadOnlyList<Problem> Problems);

/// <summary>
/// Reads a gitleaks TOML config (<c>--rules gitleaks.toml</c>) so teams keep the rules and allowlists they have: <c>[[rules]]</c>
/// with id, description, regex, secretGroup, entropy, keywords, path and per-rule allowlists; the global <c>[allowlist]</c> /
/// <c>[[allowlists]]</c> (paths, regexes, regexTarget, stopwords, commits, condition, targetRules); <c>[extend]</c> with
/// <c>useDefault</c> (PipeWatch's built-in rules stand in for gitleaks' defaults), <c>path</c> and <c>disabledRules</c>.
/// </summary>
/// <remarks>
/// gitleaks regexes are Go RE2: <c>(?P&lt;name&gt;</c> groups and POSIX classes such as <c>[[:alnum:]]</c> are rewritten to
/// .NET syntax. gitleaks has no severity: its rules report as high. Unknown keys (<c>tags</c>, <c>title</c>…) are ignored.
/// </remarks>
public static partial class GitleaksConfigLoader
{
    private const int MaximumExtendDepth = 4;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private static readonly (string Posix, string Net)[] PosixClasses =
    [
        ("[:alnum:]", "a-zA-Z0-9"), ("[:alpha:]", "a-zA-Z"), ("[:digit:]", "0-9"), ("[:xdigit:]", "0-9A-Fa-f"), ("[:upper:]", "A-Z"),
        ("[:lower:]", "a-z"), ("[:space:]", @"\s"), ("[:word:]", @"\w"), ("[:punct:]", @"!-/:-@\[-`{-~"), ("[:blank:]", @" \t"),
    ];

    public static GitleaksConfig LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var problems = new List<Problem>();
        var rules = new List<SecretRule>();
        var scopes = new Dictionary<string, SecretRuleScope>(StringComparer.Ordinal);
        var allowlists = new List<SecretAllowlist>();
        Read(path, rules, scopes, allowlists, problems, 0);
        return new GitleaksConfig(new SecretRuleBook(rules, scopes, allowlists), problems);
    }

    /// <summary>Reads TOML text; <paramref name="file"/> names it in problems and anchors a relative <c>[extend] path</c>.</summary>
    public static GitleaksConfig Parse(string toml, string file)
    {
        var problems = new List<Problem>();
        var rules = new List<SecretRule>();
        var scopes = new Dictionary<string, SecretRuleScope>(StringComparer.Ordinal);
        var allowlists = new List<SecretAllowlist>();
        ReadText(toml, file, rules, scopes, allowlists, problems, 0);
        return new GitleaksConfig(new SecretRuleBook(rules, scopes, allowlists), problems);
    }

    private static void Read(string path, List<SecretRule> rules, Dictionary<string, SecretRuleScope> scopes, List<SecretAllowlist> allowlists, List<Problem> problems, int depth)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add(new Problem(path, $"cannot read ({ex.Message})"));
            return;
        }

        ReadText(text, path, rules, scopes, allowlists, problems, depth);
    }

    private static void ReadText(string text, string file, List<SecretRule> rules, Dictionary<string, SecretRuleScope> scopes, List<SecretAllowlist> allowlists, List<Problem> problems, int depth)
    {
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(text)!;
        }
        catch (TomlException ex)
        {
            problems.Add(new Problem(file, $"not valid TOML: {ex.Message}", ex.Line > 0 ? ex.Line : null));
            return;
        }

        // [extend]: a base config first (the built-in rules, or another file), so this file's rules override it by id.
        var disabled = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetValue("extend", out var extendValue) && extendValue is TomlTable extend)
        {
            if (extend.TryGetValue("useDefault", out var useDefault) && useDefault is true) rules.AddRange(SecretRuleBook.BuiltIn.Rules);
            if (extend.TryGetValue("path", out var basePath) && basePath is string baseFile)
            {
                if (depth >= MaximumExtendDepth) problems.Add(new Problem(file, $"[extend] path '{baseFile}': extends nested more than {MaximumExtendDepth} deep"));
                else Read(Path.GetFullPath(baseFile, Path.GetDirectoryName(Path.GetFullPath(file))!), rules, scopes, allowlists, problems, depth + 1);
            }

            foreach (var id in Strings(extend, "disabledRules", file, "[extend]", problems)) disabled.Add(id);
        }

        var targeted = new List<(IReadOnlyList<string> Rules, SecretAllowlist List)>();
        foreach (var table in Tables(root, "allowlist", "allowlists"))
        {
            var list = Allowlist(table, file, "[allowlist]", problems);
            var targets = Strings(table, "targetRules", file, "[allowlist]", problems);
            if (targets.Count > 0) targeted.Add((targets, list));
            else allowlists.Add(list);
        }

        if (root.TryGetValue("rules", out var rulesValue))
        {
            if (rulesValue is not TomlTableArray ruleTables)
            {
                problems.Add(new Problem(file, "'rules' must be an array of tables ([[rules]])"));
            }
            else
            {
                var index = 0;
                foreach (var table in ruleTables)
                {
                    if (Rule(table, index++, text, file, problems) is not { } read) continue;
                    rules.RemoveAll(r => r.Id == read.Rule.Id);
                    rules.Add(read.Rule);
                    scopes[read.Rule.Id] = read.Scope;
                }
            }
        }

        foreach (var (targets, list) in targeted)
        {
            foreach (var id in targets)
            {
                var scope = scopes.GetValueOrDefault(id) ?? new SecretRuleScope(null, []);
                scopes[id] = scope with { Allowlists = [.. scope.Allowlists, list] };
            }
        }

        rules.RemoveAll(r => disabled.Contains(r.Id));
    }

    private static (SecretRule Rule, SecretRuleScope Scope)? Rule(TomlTable table, int index, string text, string file, List<Problem> problems)
    {
        var id = table.TryGetValue("id", out var idValue) ? idValue as string : null;
        var name = id is null ? $"rules[{index}]" : $"rule '{id}'";
        var line = id is null ? (int?)null : LineOf(text, id);
        var before = problems.Count;
        void Fail(string reason) => problems.Add(new Problem(file, $"{name}: {reason}", line));

        if (string.IsNullOrEmpty(id)) Fail("missing 'id'");
        var description = table.TryGetValue("description", out var d) && d is string text1 && text1.Length > 0 ? text1 : id ?? string.Empty;
        var regexText = table.TryGetValue("regex", out var r) ? r as string : null;
        var pathText = table.TryGetValue("path", out var p) ? p as string : null;
        if (string.IsNullOrEmpty(regexText) && string.IsNullOrEmpty(pathText)) Fail("needs a 'regex' or a 'path'");
        var regex = regexText is { Length: > 0 } ? Compile(regexText, "regex", Fail) : null;
        var pathRegex = pathText is { Length: > 0 } ? Compile(pathText, "path", Fail) : null;
        var keywords = Strings(table, "keywords", file, name, problems).Select(k => k.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();

        var group = 0;
        if (table.TryGetValue("secretGroup", out var g))
        {
            if (g is long n && n >= 0 && regex is not null && Array.IndexOf(regex.GetGroupNumbers(), (int)n) >= 0) group = (int)n;
            else Fail($"'secretGroup' {g} is not a group of the regex");
        }
        else if (regex is not null && regex.GetGroupNumbers().Length == 2)
        {
            // gitleaks takes the one capture group of a pattern that has exactly one.
            group = 1;
        }

        double? entropy = null;
        if (table.TryGetValue("entropy", out var e))
        {
            entropy = e switch { double x => x, long x => x, _ => null };
            if (entropy is not (>= 0 and <= 8)) Fail("'entropy' must be a number from 0 to 8");
        }

        var allowlists = Tables(table, "allowlist", "allowlists").Select(t => Allowlist(t, file, name, problems)).ToList();
        if (problems.Count > before || id is null) return null;
        var rule = new SecretRule(id, description, keywords, regex ?? MatchNothing(), group, entropy is > 0 ? entropy : null, Severity.High,
            SecretChecksum.None, SecretRule.DefaultWindow, [], []);
        return (rule, new SecretRuleScope(pathRegex, allowlists, PathOnly: regex is null));
    }

    private static SecretAllowlist Allowlist(TomlTable table, string file, string owner, List<Problem> problems)
    {
        var at = $"{owner} allowlist";
        void Fail(string reason) => problems.Add(new Problem(file, $"{at}: {reason}"));
        var condition = table.TryGetValue("condition", out var c) ? (c as string)?.ToUpperInvariant() : "OR";
        if (condition is not ("OR" or "AND")) Fail($"'condition' must be \"OR\" or \"AND\", not {c}");
        var target = table.TryGetValue("regexTarget", out var t) ? t as string : "secret";
        if (target is not ("secret" or "match" or "line")) Fail($"'regexTarget' must be secret, match or line, not {t}");
        return new SecretAllowlist
        {
            Description = table.TryGetValue("description", out var d) ? d as string : null,
            Commits = Strings(table, "commits", file, at, problems),
            Paths = [.. Strings(table, "paths", file, at, problems).Select(x => Compile(x, "paths", Fail)).OfType<Regex>()],
            Regexes = [.. Strings(table, "regexes", file, at, problems).Select(x => Compile(x, "regexes", Fail)).OfType<Regex>()],

            // "match" (the whole regex match) is checked against the line that holds it, a superset.
            RegexTarget = target == "secret" ? AllowTarget.Secret : AllowTarget.Line,
            Stopwords = Strings(table, "stopwords", file, at, problems),
            RequireAll = condition == "AND",
        };
    }

    // A table, or an array of tables, under either key (gitleaks accepts the older singular and the newer plural).
    private static IEnumerable<TomlTable> Tables(TomlTable table, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (!table.TryGetValue(key, out var value)) continue;
            if (value is TomlTable one) yield return one;
            else if (value is TomlTableArray many)
            {
                foreach (var item in many) yield return item;
            }
        }
    }

    private static List<string> Strings(TomlTable table, string key, string file, string owner, List<Problem> problems)
    {
        if (!table.TryGetValue(key, out var value)) return [];
        if (value is TomlArray array && array.All(v => v is string)) return [.. array.Cast<string>()];
        problems.Add(new Problem(file, $"{owner}: '{key}' must be an array of strings"));
        return [];
    }

    private static Regex? Compile(string pattern, string key, Action<string> fail)
    {
        try
        {
            // gitleaks rules are RE2: the linear-time engine runs them all, so a padded line cannot make one time out.
            return RegexSafety.Compile(ToDotNet(pattern), RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            fail($"invalid {key} regex: {ex.Message}");
            return null;
        }
    }

    /// <summary>RE2 syntax .NET reads differently: named groups <c>(?P&lt;n&gt;</c> and POSIX bracket classes.</summary>
    internal static string ToDotNet(string pattern)
    {
        var converted = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        foreach (var (posix, net) in PosixClasses) converted = converted.Replace(posix, net, StringComparison.Ordinal);
        return converted;
    }

    private static int? LineOf(string text, string id)
    {
        var match = Regex.Match(text, $"^\\s*id\\s*=\\s*[\"']{Regex.Escape(id)}[\"']", RegexOptions.Multiline, MatchTimeout);
        return match.Success ? text.AsSpan(0, match.Index).Count('\n') + 1 : null;
    }

    [GeneratedRegex("(?!)")]
    private static partial Regex MatchNothing();
}
