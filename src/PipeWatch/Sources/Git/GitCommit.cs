namespace PipeWatch.Sources.Git;

/// <summary>One commit of a scanned history, with the changes it made relative to its first parent.</summary>
/// <param name="Sha">The full commit id.</param>
/// <param name="Parents">Parent commit ids; two or more for a merge.</param>
/// <param name="Author">Who wrote the change, with the author's own UTC offset.</param>
/// <param name="Committer">Who committed it, with the committer's own UTC offset.</param>
/// <param name="Subject">The first line of the message.</param>
/// <param name="Signature">Whether the commit carries a signature and whether it verified.</param>
/// <param name="Files">The files the commit changed, in the order git reports them.</param>
public sealed record GitCommit(
    string Sha,
    IReadOnlyList<string> Parents,
    GitIdentity Author,
    GitIdentity Committer,
    string Subject,
    SignatureState Signature,
    IReadOnlyList<GitFileChange> Files)
{
    public bool IsMerge => Parents.Count > 1;
}

/// <summary>A name, an e-mail address and a time with the UTC offset the person's clock had.</summary>
public sealed record GitIdentity(string Name, string Email, DateTimeOffset When);

/// <summary>The signature state of a commit, as <c>git log %G?</c> reports it, folded to what detectors need.</summary>
public enum SignatureState
{
    /// <summary>Not determined (the reader did not ask, or could not check).</summary>
    Unknown,

    /// <summary>No signature.</summary>
    Unsigned,

    /// <summary>A signature that verified (possibly with an untrusted or expired key).</summary>
    Signed,

    /// <summary>A signature that did not verify.</summary>
    Bad,
}

/// <summary>What a commit did to one file.</summary>
public enum FileChangeKind
{
    Added,
    Modified,
    Deleted,
    Renamed,
    Copied,
    TypeChanged,
}

/// <summary>One file changed by a commit: its paths, blob ids before and after, line counts and the lines it added.</summary>
/// <param name="Path">The path after the change (the old path for a deletion), with forward slashes.</param>
/// <param name="OldPath">The path before a rename or copy; otherwise null.</param>
/// <param name="OldBlob">The blob id before the change; null for an added file.</param>
/// <param name="NewBlob">The blob id after the change; null for a deleted file.</param>
/// <param name="LinesAdded">Lines added (0 for a binary file).</param>
/// <param name="LinesDeleted">Lines deleted (0 for a binary file).</param>
/// <param name="Binary">True when git treats the file as binary; <paramref name="Added"/> is then empty.</param>
/// <param name="Added">The added lines with their 1-based numbers in the new file.</param>
public sealed record GitFileChange(
    string Path,
    string? OldPath,
    FileChangeKind Kind,
    string? OldBlob,
    string? NewBlob,
    int LinesAdded,
    int LinesDeleted,
    bool Binary,
    IReadOnlyList<AddedLine> Added)
{
    /// <summary>
    /// The positions of the diff's hunks, when the change came from a <c>-U0</c> patch that can rebuild the new version from the old one
    /// (<see cref="DiffRebuild"/>); null otherwise (a binary file, a submodule, a file read whole, a patch this parser cannot follow).
    /// </summary>
    internal DiffHunks? Hunks { get; init; }
}

/// <summary>A line a commit added, with its 1-based number in the new version of the file.</summary>
public readonly record struct AddedLine(int Number, string Text);
