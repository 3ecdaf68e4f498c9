namespace PipeWatch.Sources.Lockfiles;

/// <summary>The git work tree a file on disk belongs to: its root folder, and its name as <c>scan</c> gives it (<c>owner/name</c> from the origin remote, else the folder's name).</summary>
/// <remarks>Read from the <c>.git</c> folder's config without running git, so ingesting a checkout needs no git installed.</remarks>
internal sealed record Checkout(string Root, string Name)
{
    /// <summary>The checkout holding <paramref name="path"/>, or null when no folder above it has a <c>.git</c>.</summary>
    public static Checkout? Containing(string path)
    {
        for (var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)); folder is not null; folder = System.IO.Path.GetDirectoryName(folder))
        {
            var git = System.IO.Path.Combine(folder, ".git");
            if (Directory.Exists(git) || File.Exists(git)) return new Checkout(folder, GitRemotes.RepositoryPath(OriginUrl(git)) ?? new DirectoryInfo(folder).Name);
        }

        return null;
    }

    /// <summary>True when <paramref name="folder"/> is the top of a git work tree.</summary>
    public static bool IsRoot(string folder)
    {
        var git = System.IO.Path.Combine(folder, ".git");
        return Directory.Exists(git) || File.Exists(git);
    }

    /// <summary>The <c>url</c> of <c>[remote "origin"]</c> in the repository's config; a worktree's <c>.git</c> file points at its git folder, whose <c>commondir</c> holds the config.</summary>
    private static string? OriginUrl(string git)
    {
        try
        {
            var folder = git;
            if (File.Exists(git))
            {
                var pointer = File.ReadAllText(git).Trim();
                if (!pointer.StartsWith("gitdir:", StringComparison.Ordinal)) return null;
                folder = System.IO.Path.GetFullPath(pointer["gitdir:".Length..].Trim(), System.IO.Path.GetDirectoryName(git)!);
                var common = System.IO.Path.Combine(folder, "commondir");
                if (File.Exists(common)) folder = System.IO.Path.GetFullPath(File.ReadAllText(common).Trim(), folder);
            }

            var config = System.IO.Path.Combine(folder, "config");
            if (!File.Exists(config)) return null;
            var inOrigin = false;
            foreach (var raw in File.ReadLines(config))
            {
                var line = raw.Trim();
                if (line.StartsWith('['))
                {
                    inOrigin = line.Replace(" ", "", StringComparison.Ordinal) == "[remote\"origin\"]";
                    continue;
                }

                var equals = line.IndexOf('=', StringComparison.Ordinal);
                if (inOrigin && equals > 0 && line[..equals].Trim() == "url") return line[(equals + 1)..].Trim();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An unreadable config leaves the folder's name.
        }

        return null;
    }
}
