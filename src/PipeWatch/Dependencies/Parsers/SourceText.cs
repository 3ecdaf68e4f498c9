namespace PipeWatch.Dependencies.Parsers;

/// <summary>Classifies the resolved-from strings of lockfiles: registry URL, git URL, tarball, local path.</summary>
internal static class SourceText
{
    /// <summary>A URL or specifier as npm, yarn and pnpm write it in <c>resolved</c> fields.</summary>
    public static DependencySource FromResolved(string? resolved)
    {
        if (string.IsNullOrWhiteSpace(resolved)) return DependencySource.Unknown;
        var r = resolved.Trim();
        if (IsGit(r)) return new(SourceKind.Git, r);
        if (r.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || r.StartsWith("link:", StringComparison.OrdinalIgnoreCase)
            || r.StartsWith("./", StringComparison.Ordinal) || r.StartsWith("../", StringComparison.Ordinal) || r.StartsWith('/'))
            return new(SourceKind.Path, r);
        if (r.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || r.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // Registries serve tarballs at ".../<name>/-/<name>-<version>.tgz"; any other archive URL is a plain tarball.
            return r.Contains("/-/", StringComparison.Ordinal) ? new(SourceKind.Registry, r) : new(SourceKind.Tarball, r);
        }

        return new(SourceKind.Unknown, r);
    }

    public static bool IsGit(string r) =>
        r.StartsWith("git+", StringComparison.OrdinalIgnoreCase) || r.StartsWith("git://", StringComparison.OrdinalIgnoreCase)
        || r.StartsWith("git@", StringComparison.OrdinalIgnoreCase) || r.StartsWith("github:", StringComparison.OrdinalIgnoreCase)
        || r.StartsWith("gitlab:", StringComparison.OrdinalIgnoreCase) || r.StartsWith("bitbucket:", StringComparison.OrdinalIgnoreCase)
        || r.Contains(".git#", StringComparison.OrdinalIgnoreCase) || r.EndsWith(".git", StringComparison.OrdinalIgnoreCase)
        || r.StartsWith("https://codeload.github.com/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The file name part of a path with forward or back slashes.</summary>
    public static string FileName(string path)
    {
        var slash = path.LastIndexOfAny(['/', '\\']);
        return slash < 0 ? path : path[(slash + 1)..];
    }

}

/// <summary>Line numbers for offsets in a text, and a forward-moving search for keys in file order (linear over a whole file).</summary>
internal sealed class LineIndex
{
    private readonly string _text;
    private readonly List<int> _newlines = [];
    private int _cursor;

    public LineIndex(string text)
    {
        _text = text;
        for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1)) _newlines.Add(i);
    }

    /// <summary>The 1-based line of character <paramref name="index"/>.</summary>
    public int LineAt(int index)
    {
        var found = _newlines.BinarySearch(index);
        return (found < 0 ? ~found : found) + 1;
    }

    /// <summary>The line of the next occurrence of <paramref name="needle"/> after the previous match, or null (the cursor stays).</summary>
    public int? Next(string needle)
    {
        var at = _text.IndexOf(needle, _cursor, StringComparison.Ordinal);
        if (at < 0) return null;
        _cursor = at + needle.Length;
        return LineAt(at);
    }
}
