namespace PipeWatch.Sources;

/// <summary>Reads the repository path ("owner/name", or "group/sub/name" on GitLab) out of a git remote or project web URL.</summary>
internal static class GitRemotes
{
    /// <summary>"https://host/owner/name.git", "git@host:owner/name.git", "ssh://git@host:22/owner/name" → "owner/name"; null when the URL has no two-segment path.</summary>
    public static string? RepositoryPath(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        url = url.Trim();
        string path;
        if (url.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return null;
            path = Uri.UnescapeDataString(uri.AbsolutePath);
        }
        else
        {
            // scp-like syntax: user@host:owner/name.git
            var colon = url.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) return null;
            path = url[(colon + 1)..];
        }

        path = path.Trim('/');
        if (path.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) path = path[..^4];
        return path.Contains('/', StringComparison.Ordinal) ? path : null;
    }
}
