using System.Text.RegularExpressions;
using PipeWatch.Events;

namespace PipeWatch.Detectors.CodeChange;

/// <summary>A parsed CODEOWNERS file: for a path, the owners of its last matching rule.</summary>
public sealed class CodeOwners
{
    private readonly List<(Regex Pattern, string Text, IReadOnlyList<string> Owners)> _rules = [];

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
        for (var i = _rules.Count - 1; i >= 0; i--)
        {
            if (_rules[i].Pattern.IsMatch(path)) return (_rules[i].Text, _rules[i].Owners);
        }

        return null;
    }

    /// <summary>True, false, or null when an owner is a team (membership unknown here).</summary>
    public static bool? IsOwner(CommitPerson author, IReadOnlyList<string> owners)
    {
        var unknown = false;
        foreach (var owner in owners)
        {
            if (owner.StartsWith('@'))
            {
                var login = owner[1..];
                if (login.Contains('/')) { unknown = true; continue; }
                if (Same(login, author.Login) || Same(login, LoginOf(author.Email))) return true;
            }
            else if (Same(owner, author.Email))
            {
                return true;
            }
        }

        return unknown ? null : false;
    }

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
