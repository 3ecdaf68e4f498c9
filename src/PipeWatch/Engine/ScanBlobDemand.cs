using PipeWatch.Dependencies.Parsers;
using PipeWatch.Detectors.CodeChange.Workflows;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Sources.Git;

namespace PipeWatch.Engine;

/// <summary>The blobs the detectors of a scan read whole, by the paths of what a commit changed: both versions of each dependency file and CI definition.</summary>
/// <remarks>
/// The scan reads them ahead, a chunk of commits at a time in one batch, on the preparation workers, so that the detectors' thread finds
/// them in memory instead of waiting on git once per blob. A blob asked for and not read ahead is still read when a detector asks.
/// </remarks>
internal static class ScanBlobDemand
{
    /// <summary>Adds the ids of the blobs of <paramref name="commit"/> that the detectors will read whole.</summary>
    public static void Add(GitCommit commit, ICollection<string> ids)
    {
        foreach (var file in commit.Files)
        {
            if (!ReadWhole(file.Path) && !(file.OldPath is { } old && ReadWhole(old))) continue;
            if (file.OldBlob is { } before) ids.Add(before);
            if (file.NewBlob is { } after && file.Kind != FileChangeKind.Deleted) ids.Add(after);
        }
    }

    /// <summary>
    /// Adds the changes of <paramref name="commit"/> whose blobs the detectors will read whole (as <see cref="Add"/>), in order, and
    /// the other blobs they read by id: the manifests (<c>commit:path</c>) the dependency detectors read beside a changed lockfile,
    /// and a changed CODEOWNERS and the CODEOWNERS paths of the commit's tree, which the author check reads on the detectors' thread.
    /// </summary>
    public static void AddChanges(GitCommit commit, ICollection<GitFileChange> changes, ICollection<string> others)
    {
        foreach (var file in commit.Files)
        {
            if (ReadWhole(file.Path) || (file.OldPath is { } old && ReadWhole(old))) changes.Add(file);
        }

        DependencyChanges.AddManifestIds(commit, others);
        CommitEvents.AddReadIds(commit, others);
        CodeOwnersLineage.AddReadIds(commit, others);
    }

    /// <summary>How many blobs of <paramref name="commit"/> the detectors will read whole (as <see cref="Add"/> adds, before removing repeats).</summary>
    public static int Count(GitCommit commit)
    {
        var count = 0;
        foreach (var file in commit.Files)
        {
            if (!ReadWhole(file.Path) && !(file.OldPath is { } old && ReadWhole(old))) continue;
            if (file.OldBlob is not null) count++;
            if (file.NewBlob is not null && file.Kind != FileChangeKind.Deleted) count++;
        }

        return count;
    }

    /// <summary>
    /// The lockfile versions of <paramref name="changes"/> (a prepared chunk's, in order) that a later chunk will not ask for:
    /// every version a change made, but the last one of each path (the next change's "before").
    /// </summary>
    /// <remarks>
    /// Only versions the chunk made: the "before" of its first change of a path is the previous chunk's, which another worker may
    /// still be preparing (letting it go here had it read again from git).
    /// Lockfiles only: their versions are read by the preparation (parsed once, then kept parsed), while a CI definition (a
    /// workflow too, though it is also a dependency file) may be read again by a detector. A version that is still the last of another path (two equal lockfiles) is kept.
    /// </remarks>
    public static IReadOnlyCollection<string> Superseded(IReadOnlyList<GitFileChange> changes)
    {
        var last = new Dictionary<string, string?>(StringComparer.Ordinal);
        var made = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (!IsLockfile(change.Path)) continue;
            if (change.OldPath is { } oldPath && oldPath != change.Path) last[oldPath] = null;
            var after = change.Kind == FileChangeKind.Deleted ? null : change.NewBlob;
            if (after is not null) made.Add(after);
            last[change.Path] = after;
        }

        made.ExceptWith(last.Values.OfType<string>());
        return made;
    }

    /// <summary>What <c>scan --profile</c> prints of the versions rebuilt from the diff instead of read from git.</summary>
    public static IEnumerable<(string Name, long Count)> WorkCounts(CachedBlobReader blobs)
    {
        var (rebuilt, characters, read) = blobs.Rebuilds;
        yield return (string.Create(System.Globalization.CultureInfo.InvariantCulture, $"blobs rebuilt from the previous version and the diff ({characters / 1e6:N1} M characters), not read"), rebuilt);
        yield return ("blobs that could not be rebuilt (read from git instead)", read);
        yield return ("lockfile versions let go once their chunk was prepared (a later version replaced them)", blobs.Forgotten);
        yield return ("blobs read again after the blob cache had dropped them (held too few, or read too far ahead)", blobs.ReadAgain);
    }

    // A dependency file that is not also a CI definition (a workflow is both: its actions are its dependencies).
    private static bool IsLockfile(string path) => LockfileParsers.For(path) is not null && CiDefinitionParser.Classify(path) is null;

    private static bool ReadWhole(string path) => LockfileParsers.For(path) is not null || CiDefinitionParser.Classify(path) is not null;
}
