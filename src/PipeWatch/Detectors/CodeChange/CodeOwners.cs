using System.Text.RegularExpressions;
using PipeWatch.Events;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>A parsed CODEOWNERS file: for a path, the owners of its last matching rule.</summary>
/// <remarks>Not thread-safe: the answer per path is remembered (a history asks about the same paths commit after commit).</remarks>
internal sealed class CodeOwners
{
    /// <summary>Paths whose answer is remembered; past it the memo starts again (a bound on what a hostile history can make it hold).</summary>
    public const int RememberedPaths = 16_384;

    private readonly List<(Regex Pattern, string Text, IReadOnlyList<string> Owners)> _rules = [];
    private readonly Dictionary<string, (string Pattern, IReadOnlyList<string> Owners)?> _byPath = new(StringComparer.Ordinal);

    public CodeOwners(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var hash = line.IndexOf(" #", StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            _rules.Add((CommitKeys.PathGlob(parts[0]), parts[0], parts[1..]));
        }
    }

    /// <summary>The file's text, as it was read.</summary>
    public string Text { get; }

    /// <summary>The rule pattern and owners for <paramref name="path"/>, or null when no rule matches.</summary>
    public (string Pattern, IReadOnlyList<string> Owners)? OwnersOf(string path)
    {
        if (_byPath.TryGetValue(path, out var known)) return known;
        if (_byPath.Count >= RememberedPaths) _byPath.Clear();
        var found = Match(path);
        _byPath[path] = found;
        return found;
    }

    private (string Pattern, IReadOnlyList<string> Owners)? Match(string path)
    {
        for (var i = _rules.Count - 1; i >= 0; i--)
        {
            if (_rules[i].Pattern.IsMatch(path)) return (_rules[i].Text, _rules[i].Owners);
        }

        return null;
    }

    /// <summary>True, false, or null when it cannot be told: an owner is a team (membership unknown here), or a <c>@login</c> while the author's login is unknown.</summary>
    /// <remarks>
    /// A git author is a name and an e-mail address; a login is known only from a push event or a GitHub no-reply address
    /// (<c>123+login@users.noreply.github.com</c>). The local part of any other address is not a login: jane@corp.example may or may not be @jdoe.
    /// </remarks>
    public static bool? IsOwner(CommitPerson author, IReadOnlyList<string> owners)
    {
        var unknown = false;
        var authorLogin = author.Login ?? NoReplyLogin(author.Email);
        foreach (var owner in owners)
        {
            if (owner.StartsWith('@'))
            {
                var login = owner[1..];
                if (login.Contains('/')) { unknown = true; continue; }
                if (authorLogin is not null ? Same(login, authorLogin) : Same(login, LoginOf(author.Email))) return true;
                unknown |= authorLogin is null;
            }
            else if (Same(owner, author.Email))
            {
                return true;
            }
        }

        return unknown ? null : false;
    }

    /// <summary>The login of a GitHub no-reply address (<c>123+login@users.noreply.github.com</c>, <c>login@users.noreply.github.com</c>), else null.</summary>
    private static string? NoReplyLogin(string? email) =>
        email is not null && email.EndsWith("@users.noreply.github.com", StringComparison.OrdinalIgnoreCase) ? LoginOf(email) : null;

    /// <summary>The login in an e-mail's local part, GitHub's <c>123+login@users.noreply.github.com</c> form included.</summary>
    private static string? LoginOf(string? email)
    {
        if (email is null || email.IndexOf('@') is var at && at <= 0) return null;
        var local = email[..at];
        var plus = local.IndexOf('+');
        return plus >= 0 ? local[(plus + 1)..] : local;
    }

    private static bool Same(string a, string? b) => b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
