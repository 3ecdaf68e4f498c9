using System.Text.RegularExpressions;

namespace PipeWatch.Rules.Patterns;

/// <summary>Where a rule applies and what it ignores, beyond its pattern: a path regex and its own allowlists (from gitleaks configs).</summary>
/// <param name="Path">The rule applies only to files whose path matches; null for every file.</param>
/// <param name="PathOnly">A rule with a path and no pattern: the file's presence is the finding.</param>
public sealed record SecretRuleScope(Regex? Path, IReadOnlyList<SecretAllowlist> Allowlists, bool PathOnly = false);

/// <summary>A secret found in a file, after the rule's scope and every allowlist let it through.</summary>
/// <param name="Line">1-based line in the scanned text.</param>
public sealed record SecretHit(SecretRule Rule, int Line, string Secret, bool FileName = false);

/// <summary>
/// Every secret rule of a scan — built-in, from a rule file, or from a gitleaks config — with the scopes and allowlists
/// that decide which matches count; immutable and thread-safe.
/// </summary>
/// <remarks>
/// Rules with keywords run through one <see cref="SecretScanner"/> (keyword prefilter, regex near hits only); rules without
/// keywords (possible in gitleaks configs) run their regex over the whole text, which is slower, so they are kept apart.
/// </remarks>
public sealed class SecretRuleBook
{
    private static readonly SecretRuleScope Everywhere = new(null, []);
    private readonly SecretScanner _scanner;
    private readonly IReadOnlyList<SecretRule> _unkeyed;
    private readonly IReadOnlyList<SecretRule> _pathOnly;
    private readonly Dictionary<string, SecretRule> _byId;
    private readonly IReadOnlyDictionary<string, SecretRuleScope> _scopes;

    public SecretRuleBook(IReadOnlyList<SecretRule> rules, IReadOnlyDictionary<string, SecretRuleScope>? scopes = null, IReadOnlyList<SecretAllowlist>? allowlists = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules;
        _scopes = scopes ?? new Dictionary<string, SecretRuleScope>();
        Allowlists = allowlists ?? [];
        _byId = rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        _pathOnly = [.. rules.Where(r => Scope(r.Id).PathOnly)];
        _unkeyed = [.. rules.Where(r => r.Keywords.Count == 0 && !Scope(r.Id).PathOnly)];
        _scanner = new SecretScanner([.. rules.Where(r => r.Keywords.Count > 0 && !Scope(r.Id).PathOnly)]);
    }

    /// <summary>The built-in rules of <c>rules/secrets/*.yml</c>, without allowlists.</summary>
    /// <remarks>Read from their precomputed form (<see cref="CompiledSecretRules"/>), not the YAML; the tests load the YAML proven and check both give the same rules.</remarks>
    public static SecretRuleBook BuiltIn { get; } = new(CompiledSecretRules.LoadEmbedded());

    public IReadOnlyList<SecretRule> Rules { get; }

    /// <summary>The scanner of the rules with keywords (and no path-only scope): for the built-in book, every rule in order, so <see cref="SecretRedactor.BuiltIn"/> shares it instead of building a second one.</summary>
    internal SecretScanner Scanner => _scanner;

    /// <summary>Allowlists that apply to every rule.</summary>
    public IReadOnlyList<SecretAllowlist> Allowlists { get; }

    public SecretRule? Rule(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The same rules with more global allowlists (from pipewatch.yml).</summary>
    public SecretRuleBook WithAllowlists(IEnumerable<SecretAllowlist> more)
    {
        var added = more.Where(a => !a.IsEmpty).ToList();
        return added.Count == 0 ? this : new SecretRuleBook(Rules, _scopes, [.. Allowlists, .. added]);
    }

    /// <summary>True when a global allowlist skips the whole file (or the whole commit).</summary>
    public bool Skips(string path, string? commit) => Allowlists.Any(a => a.AllowsPath(path) || a.AllowsCommit(commit));

    /// <summary>The secrets in <paramref name="text"/>, the content <paramref name="path"/> gained in <paramref name="commit"/>, that no allowlist allows.</summary>
    /// <param name="lineOf">The text of a 1-based line of <paramref name="text"/>, for line allowlists.</param>
    public IReadOnlyList<SecretHit> Find(string text, string path, string? commit, Func<int, string> lineOf) => Find(text, path, commit, lineOf, null);

    /// <inheritdoc cref="Find(string, string, string?, Func{int, string})"/>
    /// <param name="timeouts">Receives each rule and line whose regex timed out (a match there may be missed); null ignores them.</param>
    internal IReadOnlyList<SecretHit> Find(string text, string path, string? commit, Func<int, string> lineOf, ICollection<RegexTimeout>? timeouts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(lineOf);
        var hits = new List<SecretHit>();
        foreach (var match in _scanner.Scan(text, timeouts)) Keep(_byId[match.RuleId], match.Line, match.Secret);
        foreach (var rule in _unkeyed)
        {
            if (!Applies(rule, path)) continue;
            foreach (var match in FullText(rule, text, timeouts)) Keep(rule, match.Line, match.Secret);
        }

        // Literals only a configuration file's structure shows (unquoted values under password keys, a Rails key file), by the
        // built-in rules that name them; a line another rule already reported for the same value is not reported twice.
        foreach (var (ruleId, line, secret) in ConfigFileSecrets.Find(text, ConfigFileSecrets.KindOf(path)))
        {
            if (_byId.GetValueOrDefault(ruleId) is not { } rule || hits.Any(h => h.Line == line && (h.Secret.Contains(secret, StringComparison.Ordinal) || secret.Contains(h.Secret, StringComparison.Ordinal)))) continue;
            Keep(rule, line, secret);
        }

        foreach (var rule in _pathOnly.Where(r => Applies(r, path)))
        {
            if (!Allowed(rule, path, path, string.Empty, commit)) hits.Add(new SecretHit(rule, 1, path, FileName: true));
        }

        return hits;

        void Keep(SecretRule rule, int line, string secret)
        {
            if (!Applies(rule, path)) return;
            if (!Allowed(rule, secret, path, lineOf(line), commit)) hits.Add(new SecretHit(rule, line, secret));
        }
    }

    private SecretRuleScope Scope(string id) => _scopes.GetValueOrDefault(id) ?? Everywhere;

    private bool Applies(SecretRule rule, string path) => Scope(rule.Id).Path is not { } only || Matches(only, path);

    private bool Allowed(SecretRule rule, string secret, string path, string line, string? commit) =>
        Scope(rule.Id).Allowlists.Any(a => a.Allows(secret, line, path, commit)) || Allowlists.Any(a => a.Allows(secret, line, path, commit));

    private static bool Matches(Regex regex, string input)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // A rule without keywords: its regex over the whole text, with the same group, entropy and checksum gates.
    private static List<(int Line, string Secret)> FullText(SecretRule rule, string text, ICollection<RegexTimeout>? timeouts)
    {
        var found = new List<(int, string)>();
        var from = 0;
        try
        {
            for (var m = rule.MatcherFor(text.Length).Match(text); m.Success; m = m.NextMatch())
            {
                from = m.Index + m.Length;
                var group = m.Groups[rule.SecretGroup];
                if (!group.Success || group.Length == 0 || !rule.Accepts(group.Value)) continue;
                found.Add((LineAt(text, group.Index), group.Value));
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological input for this rule: what was found before the timeout stands, and the caller hears of the rest.
            timeouts?.Add(new RegexTimeout(rule.Id, LineAt(text, Math.Min(from, text.Length))));
        }

        return found;
    }

    private static int LineAt(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
