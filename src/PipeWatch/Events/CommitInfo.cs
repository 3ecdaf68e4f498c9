namespace PipeWatch.Events;

/// <summary>A commit as a pushed or scanned change: who wrote, committed and pushed it, when (with each person's UTC offset), whether it is signed, and what it changed.</summary>
/// <param name="Sha">The full commit id.</param>
/// <param name="Pusher">Who pushed it, when the source says (push webhooks); null for a scanned history.</param>
/// <param name="Files">The files changed, with line counts where the source has them.</param>
/// <param name="LinesAdded">Lines added over all files; null when the source does not count lines (push webhooks).</param>
/// <param name="LinesDeleted">Lines deleted over all files; null when unknown.</param>
/// <param name="Forced">True when the push that brought it was forced (history rewritten).</param>
/// <param name="ToDefaultBranch">True when it was pushed straight to the repository's default branch.</param>
public sealed record CommitInfo(
    string Sha,
    CommitPerson Author,
    CommitPerson Committer,
    CommitPerson? Pusher,
    CommitSignature Signature,
    IReadOnlyList<CommitFile> Files,
    int? LinesAdded,
    int? LinesDeleted,
    bool Forced = false,
    bool ToDefaultBranch = false,
    bool IsMerge = false,
    string? Subject = null)
{
    /// <summary>The key identity of the author: the e-mail address in lower case, else the login, else the name.</summary>
    public string AuthorKey => Author.Key;
}

/// <summary>A person on a commit: name, e-mail, platform login (when the source knows it) and the time with their own UTC offset.</summary>
public sealed record CommitPerson(string? Name, string? Email, string? Login = null, DateTimeOffset? When = null)
{
    /// <summary>The e-mail address in lower case, else the login, else the name, else "(unknown)".</summary>
    public string Key => Email?.ToLowerInvariant() ?? Login ?? Name ?? "(unknown)";

    /// <summary>"Name &lt;email&gt;" (or whichever parts are known).</summary>
    public override string ToString() => Email is null ? Login ?? Name ?? "(unknown)" : $"{Name ?? Login} <{Email}>";
}

/// <summary>One file a commit changed, with its line counts when known.</summary>
public sealed record CommitFile(string Path, CommitFileChange Change, int? LinesAdded = null, int? LinesDeleted = null);

/// <summary>What a commit did to a file.</summary>
public enum CommitFileChange
{
    Added,
    Modified,
    Removed,
    Renamed,
}

/// <summary>Whether a commit is signed: unknown (not checked or not reported), unsigned, signed and verified, or signed with a bad signature.</summary>
public enum CommitSignature
{
    Unknown,
    Unsigned,
    Signed,
    Bad,
}
