using System.Buffers;
using System.Text.RegularExpressions;

namespace PipeWatch.Rules.Patterns;

/// <summary>The kind of configuration file a path names, which decides how its keys and values are read.</summary>
public enum ConfigFileKind
{
    None,

    /// <summary>.env files, INI, .properties, TOML, .conf/.cfg, .npmrc, .pypirc, pip.conf: <c>key = value</c> or <c>key: value</c> lines.</summary>
    KeyValue,

    Yaml,

    Json,

    Xml,

    /// <summary>A Rails <c>config/master.key</c> or <c>config/credentials/*.key</c>: the file is the key.</summary>
    RailsKey,
}

/// <summary>
/// Secrets that only the file's structure reveals: a literal under a password-, secret- or token-like key in a configuration
/// file, quoted or not (an unquoted <c>password: hunter2</c> in YAML is a literal, the same line in code a variable), and a
/// Rails key file.
/// </summary>
/// <remarks>
/// Runs only on files whose name says they are configuration (<see cref="KindOf"/>); elsewhere the regex rules
/// <c>generic-password-assignment</c> and <c>generic-secret-assignment</c> see quoted literals only. Placeholders, templates
/// and variable references are not secrets (<see cref="IsPlaceholder"/>); the floor depends on the key: a password may be short
/// and plain, a token or key name needs a longer, more random value. Stateless and thread-safe.
/// </remarks>
internal static partial class ConfigFileSecrets
{
    /// <summary>The rule a literal under a password-like key is reported by.</summary>
    public const string PasswordRule = "generic-password-config";

    /// <summary>The rule a literal under a secret-, token- or API-key-like key is reported by.</summary>
    public const string SecretRule = "generic-secret-config";

    /// <summary>The rule a Rails key file is reported by.</summary>
    public const string RailsKeyRule = "rails-master-key";

    private static readonly HashSet<string> KeyValueNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ".npmrc", ".pypirc", "pip.conf", "pip.ini", ".s3cfg", ".boto", "credentials", ".yarnrc", ".gemrc", ".pgservice.conf", "wp-config.ini",
    };

    private static readonly HashSet<string> KeyValueExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".env", ".ini", ".cfg", ".conf", ".properties", ".toml", ".cnf",
    };

    private static readonly string[] Placeholders =
    [
        "changeme", "change_me", "change-me", "changeit", "example", "sample", "dummy", "placeholder", "your", "redacted", "xxxx",
        "****", "...", "todo", "fixme", "replace", "insert", "enter", "secret", "passw", "none", "null", "undefined", "default",
        "test", "demo", "foobar", "fake", "<", ">",
    ];

    // Every key Classify accepts ends in one of these (password, passwd, passphrase and Pass hold "pass"; api/private/access/auth
    // keys hold "key"), so a line without any of them, in any case, has no pair to read: most lines of a configuration file.
    private static SearchValues<string> KeyWords => KeyWordSearch.Values;

    /// <summary>What kind of configuration file <paramref name="path"/> names; <see cref="ConfigFileKind.None"/> for code and anything else.</summary>
    public static ConfigFileKind KindOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Path.GetFileName(path);
        var extension = Path.GetExtension(name);
        if (name.Equals("master.key", StringComparison.Ordinal)
            || (extension == ".key" && path.Replace('\\', '/').Contains("config/credentials/", StringComparison.Ordinal))) return ConfigFileKind.RailsKey;
        if (name.StartsWith(".env", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".env", StringComparison.OrdinalIgnoreCase)
            || KeyValueNames.Contains(name) || KeyValueExtensions.Contains(extension)) return ConfigFileKind.KeyValue;
        return extension.ToLowerInvariant() switch
        {
            ".yml" or ".yaml" => ConfigFileKind.Yaml,
            ".json" => name.EndsWith("package-lock.json", StringComparison.OrdinalIgnoreCase) ? ConfigFileKind.None : ConfigFileKind.Json,
            ".xml" or ".config" => ConfigFileKind.Xml,
            _ => ConfigFileKind.None,
        };
    }

    /// <summary>The credential literals of a configuration file's text: rule id, 1-based line and the value.</summary>
    public static IReadOnlyList<(string Rule, int Line, string Secret)> Find(string text, ConfigFileKind kind) => Find(text, kind, prefilter: true);

    /// <summary>As <see cref="Find(string, ConfigFileKind)"/>; with <paramref name="prefilter"/> false, every line is read for pairs (the reference the prefilter is tested against).</summary>
    internal static IReadOnlyList<(string Rule, int Line, string Secret)> Find(string text, ConfigFileKind kind, bool prefilter)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<(string, int, string)>();
        if (kind == ConfigFileKind.None) return found;
        if (kind == ConfigFileKind.RailsKey)
        {
            if (RailsKey().Match(text) is { Success: true } key) found.Add((RailsKeyRule, 1, key.Groups[1].Value));
            return found;
        }

        // With the prefilter, the text is searched for the key words once, not line by line: a line before the next hit holds none
        // (no key word spans a line break), so it is only counted; a text without any hit has nothing to read at all.
        var whole = text.AsSpan();
        var next = prefilter ? NextKeyWord(whole, 0) : 0;
        if (next < 0) return found;
        var number = 0;
        foreach (var line in whole.EnumerateLines())
        {
            number++;
            if (prefilter)
            {
                if (line.IsEmpty || !whole.Overlaps(line, out var offset) || next < 0 || next >= offset + line.Length) continue;
                next = NextKeyWord(whole, offset + line.Length);
            }

            if (line.Length > 2048 || line.TrimStart().StartsWith("#") || line.TrimStart().StartsWith(";")) continue;
            var lineText = line.ToString();
            foreach (var (key, value, quoted) in Pairs(lineText, kind))
            {
                if (Classify(key) is not { } rule || !Accepts(rule, key, value, quoted)) continue;
                found.Add((rule, number, value));
            }
        }

        return found;
    }

    // Where the first key word at or after from starts; -1 for none.
    private static int NextKeyWord(ReadOnlySpan<char> text, int from)
    {
        var at = text[from..].IndexOfAny(KeyWords);
        return at < 0 ? -1 : from + at;
    }

    /// <summary>True when a value is a placeholder, a template or a variable reference rather than a secret.</summary>
    public static bool IsPlaceholder(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || value[0] is '$' or '%' or '!' or '&' or '*' or '@' or '[' or '{' or '(') return true;
        if (value.Contains("${", StringComparison.Ordinal) || value.Contains("{{", StringComparison.Ordinal) || value.Contains("#{", StringComparison.Ordinal)
            || value.Contains("%(", StringComparison.Ordinal) || value.Contains("$(", StringComparison.Ordinal) || value.StartsWith("ENC(", StringComparison.Ordinal)) return true;
        if (value.All(c => c == value[0])) return true;
        if (value.Equals(key, StringComparison.OrdinalIgnoreCase)) return true;
        if (value is "true" or "false" or "yes" or "no" or "on" or "off" or "True" or "False") return true;
        foreach (var word in Placeholders)
        {
            if (value.Contains(word, StringComparison.OrdinalIgnoreCase)) return true;
        }

        // A dotted or call-like reference (env.DB_PASSWORD, os.getenv(...), settings.secret) rather than a literal.
        return VariableReference().IsMatch(value);
    }

    private static IEnumerable<(string Key, string Value, bool Quoted)> Pairs(string line, ConfigFileKind kind)
    {
        switch (kind)
        {
            case ConfigFileKind.Json:
                foreach (Match m in JsonPair().Matches(line)) yield return (m.Groups["k"].Value, m.Groups["v"].Value, true);
                break;
            case ConfigFileKind.Xml:
                foreach (Match m in XmlElement().Matches(line)) yield return (m.Groups["k"].Value, m.Groups["v"].Value.Trim(), false);
                foreach (Match m in XmlAddKey().Matches(line)) yield return (m.Groups["k"].Value, m.Groups["v"].Value, true);
                foreach (Match m in XmlAttribute().Matches(line)) yield return (m.Groups["k"].Value, m.Groups["v"].Value, true);
                break;
            default:
                var m2 = (kind == ConfigFileKind.Yaml ? YamlPair() : KeyValuePair()).Match(line);
                if (!m2.Success) break;
                var raw = m2.Groups["v"].Value.Trim();
                if (raw.Length >= 2 && raw[0] is '"' or '\'' && raw[^1] == raw[0]) yield return (m2.Groups["k"].Value, raw[1..^1], true);
                else yield return (m2.Groups["k"].Value, StripComment(raw), false);
                break;
        }
    }

    private static string StripComment(string value)
    {
        var at = value.IndexOf(" #", StringComparison.Ordinal);
        if (at < 0) at = value.IndexOf(" ;", StringComparison.Ordinal);
        return (at < 0 ? value : value[..at]).Trim();
    }

    /// <summary>False when <paramref name="text"/> cannot hold a key that <see cref="Classify"/> accepts (none of its words, in any case).</summary>
    internal static bool MayHoldCredentialKey(ReadOnlySpan<char> text) => text.ContainsAny(KeyWords);

    /// <summary>The rule a literal under <paramref name="key"/> is reported by, or null for a key that names no credential.</summary>
    internal static string? Classify(string key)
    {
        var bare = key.Trim('"', '\'', ' ', '[', ']');
        if (PasswordKey().IsMatch(bare)) return PasswordRule;
        if (SecretKey().IsMatch(bare)) return SecretRule;
        return null;
    }

    private static bool Accepts(string rule, string key, string value, bool quoted)
    {
        if (value.Any(char.IsWhiteSpace) || value.Length > 256 || IsPlaceholder(key, value)) return false;
        if (!quoted && value.Contains('(', StringComparison.Ordinal)) return false;
        var entropy = ShannonEntropy.Of(value);
        return rule == PasswordRule
            ? value.Length >= 6 && entropy >= 2.3
            : value.Length >= 16 && entropy >= 3.5 && value.Any(char.IsDigit) && value.Any(char.IsLetter);
    }

    // password, passwd, pwd, passphrase at the end of a key (db_password, DB_PASS, smtp.password, ClearTextPassword), not bypass.
    [GeneratedRegex(@"(?i)(?:password|passwd|passphrase|(?<![a-z])pwd|(?<![a-z])pass|(?<=[a-z])Pass)$|(?i)^(?:pass|pwd)$")]
    private static partial Regex PasswordKey();

    // secret, token, api key, private key, access key at the end of a key (client_secret, API_TOKEN, apiKey, secret_access_key).
    [GeneratedRegex(@"(?i)(?:secret|token(?<!csrf_?token)|api[_.\-]?key|private[_.\-]?key|access[_.\-]?key|auth[_.\-]?key|secret[_.\-]?key)$")]
    private static partial Regex SecretKey();

    [GeneratedRegex(@"^[ \t]*(?:export[ \t]+)?(?<k>[A-Za-z0-9_.\-/:\[\]""']+)[ \t]*[=:][ \t]*(?<v>.*?)[ \t]*$")]
    private static partial Regex KeyValuePair();

    [GeneratedRegex(@"^[ \t]*(?:-[ \t]+)?(?<k>[""']?[A-Za-z0-9_.\-]+[""']?)[ \t]*:[ \t]+(?<v>[^|>\s].*?)[ \t]*$")]
    private static partial Regex YamlPair();

    [GeneratedRegex(@"""(?<k>[A-Za-z0-9_.\-]+)""[ \t]*:[ \t]*""(?<v>(?:[^""\\]|\\.)*)""")]
    private static partial Regex JsonPair();

    [GeneratedRegex(@"<(?<k>[A-Za-z_][A-Za-z0-9_.\-]*)(?:[ \t][^>]*)?>(?<v>[^<]+)</\k<k>>")]
    private static partial Regex XmlElement();

    [GeneratedRegex(@"<add[ \t]+key[ \t]*=[ \t]*""(?<k>[^""]+)""[ \t]+value[ \t]*=[ \t]*""(?<v>[^""]*)""")]
    private static partial Regex XmlAddKey();

    [GeneratedRegex(@"[ \t](?<k>[A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*""(?<v>[^""]*)""")]
    private static partial Regex XmlAttribute();

    [GeneratedRegex(@"^\s*([0-9a-f]{32})\s*$")]
    private static partial Regex RailsKey();

    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_]*\.)+[A-Za-z_][A-Za-z0-9_]*(?:\(.*\))?$|^[A-Za-z_][A-Za-z0-9_]*\(.*\)$")]
    private static partial Regex VariableReference();

    // The key words' search, in a class of its own so that it is built when a configuration file's text is first searched, not
    // when the first path is classified (KindOf runs for every file of a scan): building a SearchValues<string> runs framework
    // generic code a framework-dependent build JIT-compiles, which a scan of code files alone never needs.
    private static class KeyWordSearch
    {
        public static readonly SearchValues<string> Values = SearchValues.Create(["pass", "pwd", "secret", "token", "key"], StringComparison.OrdinalIgnoreCase);
    }
}
