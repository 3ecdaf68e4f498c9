using System.Text.RegularExpressions;

namespace PipeWatch.Rules.Patterns;

/// <summary>What a secret allowlist holds against: the secret itself, or the whole line it is on.</summary>
public enum AllowTarget
{
    Secret,
    Line,
}

/// <summary>
/// Secrets not to report: by file path, by commit, by a regex over the secret (or its line), or by a stopword in the secret.
/// With <see cref="RequireAll"/> every kind of condition given must hold (gitleaks' <c>condition = "AND"</c>); otherwise any one.
/// </summary>
public sealed record SecretAllowlist
{
    public string? Description { get; init; }

    /// <summary>Matched against the file path with forward slashes.</summary>
    public IReadOnlyList<Regex> Paths { get; init; } = [];

    /// <summary>Full commit ids (a prefix of at least 7 characters also matches).</summary>
    public IReadOnlyList<string> Commits { get; init; } = [];

    public IReadOnlyList<Regex> Regexes { get; init; } = [];

    public AllowTarget RegexTarget { get; init; } = AllowTarget.Secret;

    /// <summary>Compared ignoring case: a secret containing one is allowed.</summary>
    public IReadOnlyList<string> Stopwords { get; init; } = [];

    public bool RequireAll { get; init; }

    public bool IsEmpty => Paths.Count == 0 && Commits.Count == 0 && Regexes.Count == 0 && Stopwords.Count == 0;

    /// <summary>True when the whole file is allowed whatever its content: a path condition alone decides.</summary>
    public bool AllowsPath(string path) =>
        Paths.Count > 0 && (!RequireAll || (Commits.Count == 0 && Regexes.Count == 0 && Stopwords.Count == 0)) && PathMatches(path);

    /// <summary>True when every change of the commit is allowed.</summary>
    public bool AllowsCommit(string? commit) =>
        Commits.Count > 0 && (!RequireAll || (Paths.Count == 0 && Regexes.Count == 0 && Stopwords.Count == 0)) && CommitMatches(commit);

    /// <summary>True when this finding is allowed.</summary>
    public bool Allows(string secret, string line, string path, string? commit)
    {
        if (IsEmpty) return false;
        var checks = new List<bool>(4);
        if (Paths.Count > 0) checks.Add(PathMatches(path));
        if (Commits.Count > 0) checks.Add(CommitMatches(commit));
        if (Regexes.Count > 0)
        {
            var target = RegexTarget == AllowTarget.Line ? line : secret;
            checks.Add(Regexes.Any(r => Safe(r, target)));
        }

        if (Stopwords.Count > 0) checks.Add(Stopwords.Any(w => secret.Contains(w, StringComparison.OrdinalIgnoreCase)));
        return RequireAll ? checks.All(c => c) : checks.Any(c => c);
    }

    private bool PathMatches(string path) => Paths.Any(r => Safe(r, path));

    private bool CommitMatches(string? commit) =>
        commit is not null && Commits.Any(c => c.Length >= 7 && commit.StartsWith(c, StringComparison.OrdinalIgnoreCase));

    private static bool Safe(Regex regex, string input)
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
}
