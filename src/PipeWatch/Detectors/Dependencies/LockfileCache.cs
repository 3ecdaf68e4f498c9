using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Diagnostics;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Parsed dependency files by blob id, shared by the dependency detectors of one scan so each blob is read and parsed once.</summary>
/// <remarks>
/// Thread-safe: <see cref="Prepare"/> parses a commit's files on the scan's preparation workers, ahead of the detectors, and hands
/// them to that commit (<see cref="PreparedFiles"/>, the preparers' result), so a file parsed ahead is never dropped before its
/// commit reads it; <c>Read</c> is called by the detectors, on one thread, in commit order. Two workers that need the same blob
/// at once parse it once: the second waits for the first. The cache itself holds the least recently used files up to
/// <see cref="Capacity"/> files or <see cref="MaxDependencies"/> packages (a "before" is usually the previous commit's "after");
/// what it drops is parsed again if a later commit asks for it. A file that does not parse is reported (file, line, reason,
/// and the commit that first reads it) once while it is held, and reads as empty.
/// </remarks>
internal sealed class LockfileCache
{
    /// <summary>Parsed files held beyond the commits that asked for them.</summary>
    public const int Capacity = 1024;

    /// <summary>... and at most this many packages in all, so that a history of large lockfiles keeps memory bounded.</summary>
    /// <remarks>
    /// A change needs the version before it (the previous change's "after", just used): a few versions of each lockfile are
    /// enough. Every version held beyond those is live data each gen1 and gen2 collection marks again (its package list, layout
    /// and index): at 200,000 packages renovatebot's scan held ~400 lockfile versions it never read again (peak 407 MB; 353 MB
    /// at 50,000, and shorter collections), and parsed 10 of its 4,314 versions again at this bound.
    /// </remarks>
    public const int MaxDependencies = 50_000;

    [ThreadStatic]
    private static (LockfileCache? Cache, GitCommit? Commit, PreparedFiles? Files) t_lastPrepared;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Slot>> _parsed = new(StringComparer.Ordinal);
    private readonly LinkedList<Slot> _recency = new();
    private readonly IProblemReporter _problems;
    private readonly LockfileBlockMemo _blocks = new();
    private long _dependencies;
    private long _parsedAhead, _parsedInline, _parsedChars, _followed, _incremental;
    private string? _changesOf;
    private IReadOnlyList<FileDependencyChange>? _changes;
    private readonly Dictionary<string, ulong?> _manifestAtLastLock = new(StringComparer.Ordinal);

    public LockfileCache(IProblemReporter problems) => _problems = problems;

    /// <summary>Dependency-file versions parsed on the preparation workers, on the detectors' thread, and their characters in all.</summary>
    public (long Ahead, long Inline, long Characters) Parses => (Interlocked.Read(ref _parsedAhead), Interlocked.Read(ref _parsedInline), Interlocked.Read(ref _parsedChars));

    /// <summary>The <see cref="Parses"/> as <c>scan --profile</c> prints them.</summary>
    public IEnumerable<(string Name, long Count)> WorkCounts
    {
        get
        {
            var (ahead, inline, characters) = Parses;
            yield return (string.Create(System.Globalization.CultureInfo.InvariantCulture, $"dependency files parsed on the preparation workers ({characters / 1e6:N1} M characters parsed in all)"), ahead);
            yield return ("dependency files parsed on the detectors' thread (not prepared, or dropped before use)", inline);
            yield return ("lockfile versions made from the previous version (pnpm, yarn, npm: its layout and the diff, only the entries the change touched read)", Interlocked.Read(ref _followed));
            yield return ("dependency-file changes judged from the entries they touched (their delta), not from both whole lists", Interlocked.Read(ref _incremental));
            var (hits, misses) = _blocks.Counts;
            yield return ("lockfile entries read again from an earlier version (the block memo)", hits);
            yield return ("lockfile entries parsed (new text, or a file not split into entries)", misses);
        }
    }

    /// <summary>The dependencies in one version of a file (empty for a missing, binary or unparsable blob).</summary>
    public IReadOnlyList<Dependency> Read(ILockfileParser parser, string path, string? blobId, IBlobReader blobs, string? commit) =>
        Read(parser, path, blobId, blobs, commit, null, out _);

    /// <summary>The dependencies in one version of a file; <paramref name="unreadable"/> is true when the blob exists but could not be read or parsed.</summary>
    /// <param name="prepared">The files <see cref="Prepare"/> parsed for this commit, when it ran: looked in first.</param>
    public IReadOnlyList<Dependency> Read(ILockfileParser parser, string path, string? blobId, IBlobReader blobs, string? commit, PreparedFiles? prepared, out bool unreadable) =>
        Read(parser, path, blobId, blobs, commit, prepared, out unreadable, out _);

    /// <summary>The same, with the held <paramref name="entry"/> the packages come from (for <see cref="Incremental"/>).</summary>
    internal IReadOnlyList<Dependency> Read(ILockfileParser parser, string path, string? blobId, IBlobReader blobs, string? commit, PreparedFiles? prepared, out bool unreadable, out Entry? entry)
    {
        unreadable = false;
        entry = null;
        if (blobId is null) return [];
        var key = Key(parser, blobId);
        entry = prepared?.Get(key) ?? Get(key, parser, path, blobId, blobs, ahead: false);
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

    /// <summary>
    /// What a change did, at the cost of the change: the index of the version before, and the packages of the version after
    /// that its delta put in; null when the version after was not made from exactly the version before (read whole, or made
    /// from another version), or when either version has keys whose entries disagree on source or hash (there "the entry
    /// before" depends on their order: the whole lists are compared). Detectors' thread only.
    /// </summary>
    /// <remarks>The index of the version after is made from the one before and kept with it: it is the next change's "before".</remarks>
    internal IncrementalChange? Incremental(Entry before, Entry after)
    {
        if (after.Delta is not { } delta || after.DeltaFrom is null || before.Key != after.DeltaFrom || before.Unreadable || after.Unreadable) return null;
        var index = before.Index ??= DependencyIndex.Of(before.Found);
        after.Index ??= index.With(delta.Removed, delta.Added, after.Found);
        // Both sides single-variant: "the entry before" of a key is its one entry, and entries alike by key, location and hash
        // are alike by source too (what UntrustedSourceDetector dedupes by).
        if (after.Index is not { MixedKeys: 0 } || index.MixedKeys > 0) return null;
        Interlocked.Increment(ref _incremental);
        return new IncrementalChange(index, delta.Added);
    }

    /// <summary>
    /// Parses both versions of every dependency file <paramref name="commit"/> changed (those not held yet) and returns them for
    /// that commit's detectors (<see cref="CommitContext.Prepared"/>), or null when it changed none; reports nothing.
    /// </summary>
    /// <remarks>Every dependency detector prepares the same commit in turn on the same worker: the files are gathered once.</remarks>
    public PreparedFiles? Prepare(GitCommit commit, IBlobReader blobs)
    {
        var last = t_lastPrepared;
        if (ReferenceEquals(last.Cache, this) && ReferenceEquals(last.Commit, commit)) return last.Files;
        Dictionary<string, Entry>? files = null;
        Dictionary<string, ulong?>? manifests = null;
        foreach (var file in commit.Files)
        {
            if (LockfileParsers.For(file.Path) is not { } parser) continue;
            files ??= new(StringComparer.Ordinal);
            // Read here, just after the scan read them ahead, rather than on the detectors' thread, by which time a long read-ahead
            // may have pushed them out of the blob cache (each would then cost a round trip to git on the one thread that waits).
            if (file.Kind != FileChangeKind.Deleted) (manifests ??= new(StringComparer.Ordinal))[file.Path] = DependencyChanges.ManifestHash(commit, file.Path, blobs);
            var old = file.OldBlob is { } before ? Add(parser, file.OldPath ?? file.Path, before, null) : null;
            // The new version follows the old one's layout through the change's hunks when both are known.
            var follow = old?.Layout is { } layout && file.Hunks is { } hunks && !file.Binary ? (layout, Edits(hunks), old.Key) : ((LockfileLayout, IReadOnlyList<LineEdit>, string)?)null;
            if (file.Kind != FileChangeKind.Deleted && file.NewBlob is { } after) Add(parser, file.Path, after, follow);
        }

        var prepared = files is null ? null : new PreparedFiles(files, manifests);
        t_lastPrepared = (this, commit, prepared);
        return prepared;

        Entry Add(ILockfileParser parser, string path, string blobId, (LockfileLayout, IReadOnlyList<LineEdit>, string)? follow)
        {
            var key = Key(parser, blobId);
            if (!files.TryGetValue(key, out var entry)) files[key] = entry = Get(key, parser, path, blobId, blobs, ahead: true, follow);
            return entry;
        }
    }

    /// <summary>
    /// True when <paramref name="now"/> (the hash of a lockfile's manifests at a commit that changes the lockfile,
    /// <see cref="DependencyChanges.ManifestHash"/>) differs from their hash at the commit of this scan that last changed the same
    /// lockfile; remembers it for the next. False the first time a lockfile is seen, and when either is unknown. Detectors' thread only.
    /// </summary>
    public bool ManifestChangedSinceLastLock(string lockfile, ulong? now)
    {
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

    private static LineEdit[] Edits(DiffHunks hunks)
    {
        var edits = new LineEdit[hunks.Count];
        for (var i = 0; i < edits.Length; i++)
        {
            var (oldStart, oldCount, newStart, newCount) = hunks[i];
            edits[i] = new LineEdit(oldStart, oldCount, newStart, newCount);
        }

        return edits;
    }

    // The held entry for a key, or the one another thread is parsing (waited for), or parsed here and held.
    private Entry Get(string key, ILockfileParser parser, string path, string blobId, IBlobReader blobs, bool ahead, (LockfileLayout Layout, IReadOnlyList<LineEdit> Edits, string From)? follow = null)
    {
        Slot slot;
        lock (_gate)
        {
            if (_parsed.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                slot = node.Value;
            }
            else
            {
                slot = new Slot(key, new Lazy<Entry>(() => Parse(key, parser, path, blobId, blobs, ahead, follow), LazyThreadSafetyMode.ExecutionAndPublication));
                _parsed[key] = _recency.AddFirst(slot);
            }
        }

        Entry entry;
        try
        {
            entry = slot.Parsed.Value;
        }
        catch (Exception)
        {
            // Not held: a later read tries again (and reports its own failure).
            lock (_gate)
            {
                if (_parsed.TryGetValue(key, out var node) && node.Value == slot)
                {
                    _recency.Remove(node);
                    _parsed.Remove(key);
                }
            }

            throw;
        }

        lock (_gate)
        {
            if (!slot.Counted && _parsed.TryGetValue(key, out var node) && node.Value == slot)
            {
                slot.Counted = true;
                _dependencies += entry.Found.Count;
                while ((_parsed.Count > Capacity || _dependencies > MaxDependencies) && _recency.Last is { } oldest && oldest.Value != slot)
                {
                    _recency.RemoveLast();
                    _parsed.Remove(oldest.Value.Key);
                    if (oldest.Value.Counted) _dependencies -= oldest.Value.Parsed.Value.Found.Count;
                }
            }
        }

        return entry;
    }

    private Entry Parse(string key, ILockfileParser parser, string path, string blobId, IBlobReader blobs, bool ahead, (LockfileLayout Layout, IReadOnlyList<LineEdit> Edits, string From)? follow)
    {
        var text = blobs.ReadText(blobId);
        Interlocked.Increment(ref ahead ? ref _parsedAhead : ref _parsedInline);
        // A missing object (a partial clone) or a binary blob: nothing can be said of its packages.
        if (text is null) return new Entry(key, [], []) { Unreadable = true };
        Interlocked.Add(ref _parsedChars, text.Length);
        // Made from the previous version's layout and the change's hunks when it can be (only the entries the change touched are
        // read); else the entries an earlier version already had are not parsed again (a commit changes a few).
        var followed = follow is { } f ? parser.Follow(path, text, _blocks, f.Layout, f.Edits) : null;
        if (followed is not null) Interlocked.Increment(ref _followed);
        var parse = followed ?? parser.Parse(path, text, _blocks);
        // A file with problems and no packages is malformed: no findings from it, as from an empty file, and it is no side to compare with.
        return new Entry(key, parse.Dependencies, parse.Problems)
        {
            Unreadable = parse.Problems.Count > 0 && parse.Dependencies.Count == 0,
            Layout = parse.Layout,
            Delta = followed?.Delta,
            DeltaFrom = followed?.Delta is null ? null : follow!.Value.From,
        };
    }

    /// <summary>The dependency files of one commit, parsed on a preparation worker, by format and blob id, and the hash of each changed lockfile's manifests.</summary>
    internal sealed class PreparedFiles(Dictionary<string, Entry> files, Dictionary<string, ulong?>? manifests)
    {
        internal Entry? Get(string key) => files.GetValueOrDefault(key);

        /// <summary>The <see cref="DependencyChanges.ManifestHash"/> of the lockfile at <paramref name="path"/>, when it was worked out here.</summary>
        internal bool TryGetManifestHash(string path, out ulong? hash)
        {
            hash = null;
            return manifests is not null && manifests.TryGetValue(path, out hash);
        }
    }

    private sealed class Slot(string key, Lazy<Entry> parsed)
    {
        public string Key { get; } = key;

        public Lazy<Entry> Parsed { get; } = parsed;

        // Its packages are in _dependencies (set once parsed, under the gate).
        public bool Counted { get; set; }
    }

    internal sealed class Entry(string key, IReadOnlyList<Dependency> found, IReadOnlyList<Problem> problems)
    {
        /// <summary>The format and blob id it is held under.</summary>
        public string Key { get; } = key;

        public IReadOnlyList<Dependency> Found { get; } = found;

        public IReadOnlyList<Problem> Problems { get; } = problems;

        /// <summary>True when the blob exists but nothing could be read from it (missing object, binary, malformed).</summary>
        public bool Unreadable { get; init; }

        /// <summary>The version cut into segments, for the next version to follow (formats that split only).</summary>
        public LockfileLayout? Layout { get; init; }

        /// <summary>For a version made from the previous one's layout: what it changed against it (<see cref="DeltaFrom"/>).</summary>
        public LockfileDelta? Delta { get; init; }

        /// <summary>The <see cref="Key"/> of the version <see cref="Delta"/> is against.</summary>
        public string? DeltaFrom { get; init; }

        // Touched only by Read and Incremental, on the detectors' thread.
        public bool Reported { get; set; }

        public DependencyIndex? Index { get; set; }
    }
}

/// <summary>A change known by its delta: the index of the version before, and the packages of the version after that the change put in (in file order).</summary>
internal sealed record IncrementalChange(DependencyIndex Before, IReadOnlyList<Dependency> Added);
