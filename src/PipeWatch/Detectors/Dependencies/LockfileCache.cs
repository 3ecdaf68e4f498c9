using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Diagnostics;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Parsed dependency files by blob id, shared by the dependency detectors of one scan so each blob is read and parsed once.</summary>
/// <remarks>
/// Thread-safe: <see cref="Warm"/> parses a commit's files on the scan's preparation workers, ahead of the detectors; <c>Read</c>
/// is called by the detectors, on one thread, in commit order. The least recently used files are dropped past <see cref="Capacity"/>
/// files or <see cref="MaxDependencies"/> packages (and parsed again if asked for again). A file that does not parse is reported (file, line, reason, and the commit that
/// first reads it) once while it is held, and reads as empty.
/// </remarks>
internal sealed class LockfileCache
{
    /// <summary>Parsed files held: enough for the files a scan reads ahead (its look-ahead of commits), before the detectors get to them.</summary>
    public const int Capacity = 1024;

    /// <summary>... and at most this many packages in all, so that a history of large lockfiles keeps memory bounded.</summary>
    public const int MaxDependencies = 200_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _parsed = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly IProblemReporter _problems;
    private long _dependencies;
    private string? _changesOf;
    private IReadOnlyList<FileDependencyChange>? _changes;
    private readonly Dictionary<string, ulong?> _manifestAtLastLock = new(StringComparer.Ordinal);

    public LockfileCache(IProblemReporter problems) => _problems = problems;

    /// <summary>The dependencies in one version of a file (empty for a missing, binary or unparsable blob).</summary>
    public IReadOnlyList<Dependency> Read(ILockfileParser parser, string path, string? blobId, IBlobReader blobs, string? commit) =>
        Read(parser, path, blobId, blobs, commit, out _);

    /// <summary>The dependencies in one version of a file; <paramref name="unreadable"/> is true when the blob exists but could not be read or parsed.</summary>
    public IReadOnlyList<Dependency> Read(ILockfileParser parser, string path, string? blobId, IBlobReader blobs, string? commit, out bool unreadable)
    {
        unreadable = false;
        if (blobId is null) return [];
        var entry = Held(Key(parser, blobId)) ?? Hold(Parse(parser, path, blobId, blobs));
        if (!entry.Reported)
        {
            entry.Reported = true;
            foreach (var problem in entry.Problems)
            {
                // A plain folder or the staged changes have no commit to name (their files carry the all-zero id).
                var at = commit is null or Sources.Git.GitHistorySource.StagedSha ? problem.File : $"{problem.File} (commit {commit[..Math.Min(12, commit.Length)]})";
                _problems.Report(problem with { File = at });
            }
        }

        unreadable = entry.Unreadable;
        return entry.Found;
    }

    /// <summary>Parses both versions of every dependency file <paramref name="commit"/> changed that is not held yet; reports nothing.</summary>
    public void Warm(GitCommit commit, IBlobReader blobs)
    {
        foreach (var file in commit.Files)
        {
            if (LockfileParsers.For(file.Path) is not { } parser) continue;
            if (file.OldBlob is { } before && Held(Key(parser, before)) is null) Hold(Parse(parser, file.OldPath ?? file.Path, before, blobs));
            if (file.Kind != FileChangeKind.Deleted && file.NewBlob is { } after && Held(Key(parser, after)) is null) Hold(Parse(parser, file.Path, after, blobs));
        }
    }

    /// <summary>
    /// True when <paramref name="manifest"/> (the text of a lockfile's manifest at a commit that changes the lockfile) differs from
    /// its text at the commit of this scan that last changed the same lockfile; remembers it for the next. False the first time a
    /// lockfile is seen, and when either text is unknown. Detectors' thread only.
    /// </summary>
    public bool ManifestChangedSinceLastLock(string lockfile, string? manifest)
    {
        var now = manifest is null ? (ulong?)null : System.IO.Hashing.XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(manifest));
        var known = _manifestAtLastLock.TryGetValue(lockfile, out var then);
        // Bounded: a history with more lockfile paths than this starts again (it only forgets, it never says changed wrongly).
        if (!known && _manifestAtLastLock.Count >= Capacity) _manifestAtLastLock.Clear();
        _manifestAtLastLock[lockfile] = now;
        return known && then is not null && now is not null && then != now;
    }

    /// <summary>What <see cref="DependencyChanges.Of"/> found for the commit it was last asked about, if that is <paramref name="commit"/>; detectors' thread only.</summary>
    public IReadOnlyList<FileDependencyChange>? ChangesOf(string commit) => _changesOf == commit ? _changes : null;

    public IReadOnlyList<FileDependencyChange> RememberChanges(string commit, IReadOnlyList<FileDependencyChange> changes)
    {
        _changesOf = commit;
        _changes = changes;
        return changes;
    }

    private static string Key(ILockfileParser parser, string blobId) => parser.Format + "|" + blobId;

    private static Entry Parse(ILockfileParser parser, string path, string blobId, IBlobReader blobs)
    {
        var text = blobs.ReadText(blobId);
        // A missing object (a partial clone) or a binary blob: nothing can be said of its packages.
        if (text is null) return new Entry(Key(parser, blobId), [], []) { Unreadable = true };
        var parse = parser.Parse(path, text);
        // A file with problems and no packages is malformed: no findings from it, as from an empty file, and it is no side to compare with.
        return new Entry(Key(parser, blobId), parse.Dependencies, parse.Problems) { Unreadable = parse.Problems.Count > 0 && parse.Dependencies.Count == 0 };
    }

    private Entry? Held(string key)
    {
        lock (_gate)
        {
            if (!_parsed.TryGetValue(key, out var node)) return null;
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value;
        }
    }

    // Holds a parsed file, unless another thread held the same one first (then that one is the answer).
    private Entry Hold(Entry entry)
    {
        lock (_gate)
        {
            if (_parsed.TryGetValue(entry.Key, out var held)) return held.Value;
            _parsed[entry.Key] = _recency.AddFirst(entry);
            _dependencies += entry.Found.Count;
            while ((_parsed.Count > Capacity || _dependencies > MaxDependencies) && _recency.Last is { } oldest && oldest.Value != entry)
            {
                _recency.RemoveLast();
                _parsed.Remove(oldest.Value.Key);
                _dependencies -= oldest.Value.Found.Count;
            }

            return entry;
        }
    }

    private sealed class Entry(string key, IReadOnlyList<Dependency> found, IReadOnlyList<Problem> problems)
    {
        public string Key { get; } = key;

        public IReadOnlyList<Dependency> Found { get; } = found;

        public IReadOnlyList<Problem> Problems { get; } = problems;

        /// <summary>True when the blob exists but nothing could be read from it (missing object, binary, malformed).</summary>
        public bool Unreadable { get; init; }

        // Touched only by Read, on the detectors' thread.
        public bool Reported { get; set; }
    }
}
