using PipeWatch.Events;

namespace PipeWatch.Sources.Git;

/// <summary>Builds the <see cref="EventKind.Commit"/> event every source of commits shares: scanned git history and push webhooks.</summary>
internal static class CommitEvents
{
    /// <summary>In <see cref="Event.Fields"/>: the new text of a CODEOWNERS file the commit changed, so author checks can honour it.</summary>
    public const string CodeOwnersField = "git.codeowners";

    /// <summary>
    /// In <see cref="Event.Fields"/>: the text of the CODEOWNERS in force for a scanned commit (its first parent's tree; empty when
    /// there is none), from <see cref="CodeOwnersLineage"/>. When present, it replaces what author checks learned from earlier events.
    /// </summary>
    public const string CodeOwnersInForceField = "git.codeowners.in-force";

    /// <summary>The event of a scanned commit (no pusher: git does not record one); with <paramref name="blobs"/>, a changed CODEOWNERS is attached.</summary>
    public static Event From(GitCommit commit, string repository, IBlobReader? blobs = null, string? branch = null, string? origin = null)
    {
        var info = new CommitInfo(
            commit.Sha,
            Person(commit.Author),
            Person(commit.Committer),
            null,
            commit.Signature switch
            {
                SignatureState.Signed => CommitSignature.Signed,
                SignatureState.Unsigned => CommitSignature.Unsigned,
                SignatureState.Bad => CommitSignature.Bad,
                _ => CommitSignature.Unknown,
            },
            [.. commit.Files.Select(f => new CommitFile(f.Path, Change(f.Kind), f.LinesAdded, f.LinesDeleted))],
            commit.Files.Sum(f => f.LinesAdded),
            commit.Files.Sum(f => f.LinesDeleted),
            IsMerge: commit.IsMerge,
            Subject: commit.Subject);
        var e = Of(info, repository, "git.commit", "git", branch, new Origin(origin ?? repository));
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var changed = ChangedCodeOwners(commit);
        if (blobs is not null && changed is not null && blobs.ReadText(changed.NewBlob!) is { } text) fields[CodeOwnersField] = text;
        return fields.Count == 0 ? e : e with { Fields = fields };
    }

    /// <summary>Adds the id of the blob <see cref="From"/> reads for <paramref name="commit"/> (a CODEOWNERS it changed), for a scan to read ahead.</summary>
    public static void AddReadIds(GitCommit commit, ICollection<string> ids)
    {
        if (ChangedCodeOwners(commit)?.NewBlob is { } blob) ids.Add(blob);
    }

    private static GitFileChange? ChangedCodeOwners(GitCommit commit) =>
        commit.Files.FirstOrDefault(f => f.NewBlob is not null && CodeOwnersLineage.Paths.Contains(f.Path, StringComparer.Ordinal));

    /// <summary>The event of a commit from any source: author time as <c>@timestamp</c>, the pusher (else the author) as <c>user.name</c>.</summary>
    public static Event Of(CommitInfo commit, string repository, string dataset, string platform, string? branch, Origin origin, Client? client = null, string? url = null) => new()
    {
        Kind = EventKind.Commit,
        Id = $"commit:{repository}:{commit.Sha}",
        Timestamp = commit.Author.When ?? commit.Committer.When ?? DateTimeOffset.UnixEpoch,
        TimestampMissing = commit.Author.When is null && commit.Committer.When is null,
        Dataset = dataset,
        Action = commit.Forced ? "forced-push" : "push",
        Ci = new CiContext(repository, string.Empty, string.Empty, Branch: branch, Commit: commit.Sha, Platform: platform),
        UserName = commit.Pusher?.Login ?? commit.Pusher?.Name ?? commit.Author.Login ?? commit.Author.Email,
        Client = client,
        Commit = commit,
        Url = url,
        Origin = origin,
    };

    private static CommitPerson Person(GitIdentity identity) => new(identity.Name, identity.Email, null, identity.When);

    private static CommitFileChange Change(FileChangeKind kind) => kind switch
    {
        FileChangeKind.Added or FileChangeKind.Copied => CommitFileChange.Added,
        FileChangeKind.Deleted => CommitFileChange.Removed,
        FileChangeKind.Renamed => CommitFileChange.Renamed,
        _ => CommitFileChange.Modified,
    };
}
