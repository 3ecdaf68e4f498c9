namespace PipeWatch.Sources.Git;

/// <summary>The CODEOWNERS file in force for each commit of a walk: the one in its first parent's tree, followed from parent to child.</summary>
/// <remarks>
/// A CODEOWNERS that exists only on a branch governs that branch's commits, not the default branch's commits walked beside them
/// in date order. A parent outside the walk (the start of a range) is read from git (<c>parent:path</c>) once. A commit is judged
/// by the file before it: a commit cannot make its own author an owner. Not thread-safe: one walk, in order.
/// </remarks>
internal sealed class CodeOwnersLineage(IBlobReader blobs)
{
    /// <summary>Where GitHub and GitLab look, in the order they take the first found.</summary>
    public static readonly IReadOnlyList<string> Paths = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"];

    // Commit → the CODEOWNERS text in its tree (null: none). Texts are shared between commits, so each entry costs a reference.
    private readonly Dictionary<string, string?> _textAt = new(StringComparer.Ordinal);

    /// <summary>The CODEOWNERS text in force before <paramref name="commit"/> (its first parent's), or null when there is none; then records the commit's own.</summary>
    public string? Advance(GitCommit commit)
    {
        var before = commit.Parents.Count == 0 ? null : At(commit.Parents[0]);
        var text = ChangesOwners(commit) ? ReadTree(commit.Sha) : before;

        _textAt[commit.Sha] = text;
        return before;
    }

    /// <summary>
    /// Adds the ids <see cref="Advance"/> reads for <paramref name="commit"/> (every CODEOWNERS path of its tree, when it changes
    /// one), so that a scan reads them ahead in a chunk's batch rather than one round trip to git each on the detectors' thread.
    /// </summary>
    public static void AddReadIds(GitCommit commit, ICollection<string> ids)
    {
        if (commit.Sha == GitHistorySource.StagedSha || !ChangesOwners(commit)) return;
        foreach (var path in Paths) ids.Add(commit.Sha + ":" + path);
    }

    private static bool ChangesOwners(GitCommit commit) =>
        commit.Files.Any(f => Paths.Contains(f.Path, StringComparer.Ordinal) || f.OldPath is { } old && Paths.Contains(old, StringComparer.Ordinal));

    private string? At(string sha)
    {
        if (_textAt.TryGetValue(sha, out var text)) return text;
        text = ReadTree(sha);
        _textAt[sha] = text;
        return text;
    }

    private string? ReadTree(string sha)
    {
        foreach (var path in Paths)
        {
            if (blobs.ReadText(sha + ":" + path) is { } text) return text;
        }

        return null;
    }
}
