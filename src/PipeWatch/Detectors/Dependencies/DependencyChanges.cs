using System.Runtime.InteropServices;
using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>What one commit did to one dependency file: the packages before and after, and whether the manifest it is resolved from changed too.</summary>
/// <remarks>
/// When the version after was made from the version before (<see cref="IncrementalChange"/>), the new versions, the new packages
/// and the entry before a package come from the entries the change touched and the index of the version before, at the cost of
/// the change; else from both whole lists. Both give the same answers (proven by the tests and <c>bench --suite lockfiles</c>).
/// </remarks>
internal sealed class FileDependencyChange
{
    private readonly IncrementalChange? _incremental;
    private Dictionary<string, Dependency>? _before;
    private HashSet<Dependency>? _namesBefore;
    private IReadOnlyList<Dependency>? _newPackages, _newVersions;
    private Dictionary<string, List<string>>? _versionsBefore;

    public FileDependencyChange(string path, bool isLockfile, IReadOnlyList<Dependency> before, IReadOnlyList<Dependency> after, bool manifestChanged, bool beforeUnreadable = false, bool seenBefore = false, IncrementalChange? incremental = null)
    {
        BeforeUnreadable = beforeUnreadable;
        SeenBefore = seenBefore;
        Path = path;
        IsLockfile = isLockfile;
        Before = before;
        After = after;
        ManifestChanged = manifestChanged;
        _incremental = incremental;
    }

    public string Path { get; }

    /// <summary>True for a lockfile (resolved from a manifest), false for a manifest that declares its packages itself.</summary>
    public bool IsLockfile { get; }

    public IReadOnlyList<Dependency> Before { get; }

    public IReadOnlyList<Dependency> After { get; }

    /// <summary>
    /// The entries of <see cref="After"/> that may differ from every entry before (in its order): those the change put in, when
    /// known, else all. Every other entry of <see cref="After"/> has an entry before with the same key, source and integrity.
    /// </summary>
    public IReadOnlyList<Dependency> Touched => _incremental?.Added ?? After;

    /// <summary>
    /// True when the file existed before the commit but that version could not be read (a missing object, or a file its parser
    /// refused, such as a pnpm lockfile with a key written twice by a merge): <see cref="Before"/> is empty then, so nothing can
    /// be said about which packages are new.
    /// </summary>
    public bool BeforeUnreadable { get; }

    /// <summary>
    /// True when the manifest this lockfile is resolved from changed in the same commit, or changed since the commit of the scan
    /// that last changed this lockfile (a lock brought up to date with manifest edits made before it: pipenv's and Poetry's
    /// "lock" commits). Both are read from the repository, not from what the lockfile says of itself.
    /// </summary>
    public bool ManifestChanged { get; }

    /// <summary>
    /// True when the file's new content already appeared earlier in the scanned range (a revert to an earlier lock, a merge that
    /// takes one side's file): its packages were judged when that content first came in.
    /// </summary>
    public bool SeenBefore { get; }

    /// <summary>Packages (by ecosystem and name) the file did not have before.</summary>
    /// <remarks>Worked out once per change (every dependency detector asks), like <see cref="NewVersions"/>.</remarks>
    public IEnumerable<Dependency> NewPackages => _newPackages ??= FindNewPackages();

    /// <summary>Package versions the file did not have before (new packages, upgrades and downgrades).</summary>
    /// <remarks>A key the change did not touch was there before: only the touched entries can be new.</remarks>
    public IEnumerable<Dependency> NewVersions => _newVersions ??= [.. Touched.Where(d => !HadKey(d.Key)).DistinctBy(d => d.Key)];

    /// <summary>
    /// The versions before the commit (in file order, repeats kept) of each name among <see cref="NewVersions"/>, by name alone
    /// (any ecosystem); a name with no entry before is absent. Only those names: the patch-bump judgement asks for no other.
    /// </summary>
    /// <remarks>Worked out once per change, in one pass over <see cref="Before"/> that keeps only the asked names' versions.</remarks>
    public IReadOnlyDictionary<string, List<string>> VersionsBeforeOfNewNames => _versionsBefore ??= FindVersionsBefore();

    /// <summary>The entry for the same package and version before the commit, if there was one.</summary>
    /// <remarks>With an index, the one entry of that key (its entries all agree on source and integrity: see <see cref="LockfileCache.Incremental"/>).</remarks>
    public Dependency? Previous(Dependency d) => _incremental is { } known ? known.Before.Only(d.Key) : BeforeByKey().GetValueOrDefault(d.Key);

    /// <summary>True when the file had a package of the ecosystem and name of <paramref name="d"/> before the commit (any version).</summary>
    public bool HadName(Dependency d) => _incremental is { } known ? known.Before.HasName(d.Ecosystem, d.Name) : NamesBefore().Contains(d);

    private bool HadKey(string key) => _incremental is { } known ? known.Before.HasKey(key) : BeforeByKey().ContainsKey(key);

    // The names before (built on first use, only for a change known by its whole lists): the entries compared by name, not a set
    // of (ecosystem, name) tuples (see SameEntryComparer for why).
    private HashSet<Dependency> NamesBefore() => _namesBefore ??= new HashSet<Dependency>(Before, SameNameComparer.Instance);

    // The first entry before of each key (built on first use, only for a change known by its whole lists).
    private Dictionary<string, Dependency> BeforeByKey()
    {
        if (_before is not null) return _before;
        _before = new Dictionary<string, Dependency>(Before.Count, StringComparer.Ordinal);
        foreach (var d in Before) _before.TryAdd(d.Key, d);
        return _before;
    }

    private Dictionary<string, List<string>> FindVersionsBefore()
    {
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var newVersions = (IReadOnlyList<Dependency>)NewVersions;
        if (newVersions.Count == 0 || Before.Count == 0) return found;
        var names = new HashSet<string>(newVersions.Count, StringComparer.Ordinal);
        foreach (var d in newVersions) names.Add(d.Name);
        foreach (var d in Before)
        {
            if (!names.Contains(d.Name)) continue;
            if (!found.TryGetValue(d.Name, out var versions)) found[d.Name] = versions = [];
            versions.Add(d.Version);
        }

        return found;
    }

    // A new package is a new version first: only the new versions' names are looked for among the names before.
    private List<Dependency> FindNewPackages()
    {
        var candidates = (IReadOnlyList<Dependency>)NewVersions;
        return candidates.Count == 0 ? [] : [.. candidates.Where(d => !HadName(d))];
    }
}

/// <summary>Finds the dependency files a commit changed and reads both sides of each.</summary>
internal static class DependencyChanges
{
    public static IReadOnlyList<FileDependencyChange> Of(GitCommit commit, CommitContext context, LockfileCache cache)
    {
        // Every dependency detector asks about the same commit in turn: the changes are worked out once.
        if (cache.ChangesOf(commit.Sha) is { } known) return known;
        List<FileDependencyChange>? changes = null;
        // Parsed for this commit on a preparation worker, when a dependency detector prepared it.
        var prepared = context.Prepared as LockfileCache.PreparedFiles;
        for (var index = 0; index < commit.Files.Count; index++)
        {
            var file = commit.Files[index];
            if (LockfileParsers.For(file.Path) is not { } parser) continue;
            var before = cache.Read(parser, file.OldPath ?? file.Path, file.OldBlob, context.Blobs, commit.Sha, prepared, out var beforeUnreadable, out var beforeEntry);
            LockfileCache.Entry? afterEntry = null;
            var after = file.Kind == FileChangeKind.Deleted ? [] : cache.Read(parser, file.Path, file.NewBlob, context.Blobs, commit.Sha, prepared, out _, out afterEntry);
            var incremental = beforeEntry is not null && afterEntry is not null ? cache.Incremental(beforeEntry, afterEntry) : null;
            var manifests = LockfileParsers.ManifestsOf(file.Path);
            var folder = Folder(file.Path);
            // A workspace lockfile (pnpm, npm and yarn workspaces, Cargo workspaces) is resolved from every manifest at or below its folder.
            var manifestChanged = manifests.Count > 0 && commit.Files.Any(f => Within(Folder(f.Path), folder) && manifests.Any(m => Matches(SourceText.FileName(f.Path), m)));
            // The manifest beside the lockfile, as this commit has it, against what it was when the lockfile last changed.
            var sinceLastLock = manifests.Count > 0 && file.Kind != FileChangeKind.Deleted
                && cache.ManifestChangedSinceLastLock(file.Path, prepared is not null && prepared.TryGetManifestHash(file.Path, out var hash) ? hash : ManifestHash(commit, file.Path, context.Blobs));
            var seenBefore = context.FirstSightings is { } first && index < first.Count && !first[index];
            (changes ??= []).Add(new FileDependencyChange(file.Path, manifests.Count > 0, before, after, manifestChanged || sinceLastLock, beforeUnreadable, seenBefore, incremental));
        }

        return cache.RememberChanges(commit.Sha, changes ?? (IReadOnlyList<FileDependencyChange>)[]);
    }

    /// <summary>
    /// A hash of the manifests of fixed name in a lockfile's folder (Pipfile, pyproject.toml, package.json…), read at the commit;
    /// null for a staged or folder scan (no commit to read from) or when none can be read.
    /// </summary>
    public static ulong? ManifestHash(GitCommit commit, string lockfile, IBlobReader blobs)
    {
        if (commit.Sha == GitHistorySource.StagedSha) return null;
        var folder = Folder(lockfile);
        System.IO.Hashing.XxHash3? hash = null;
        foreach (var name in LockfileParsers.ManifestsOf(lockfile).Where(m => !m.StartsWith('*')))
        {
            if (blobs.ReadText(ManifestId(commit.Sha, folder, name)) is not { } found) continue;
            // Each manifest's name, a line break and its text, hashed as the characters they are: the hash is only compared with
            // others of the same scan, so no joined copy of the texts and no UTF-8 encoding of them is made.
            hash ??= new System.IO.Hashing.XxHash3();
            hash.Append(MemoryMarshal.AsBytes(name.AsSpan()));
            hash.Append(MemoryMarshal.AsBytes("\n".AsSpan()));
            hash.Append(MemoryMarshal.AsBytes(found.AsSpan()));
        }

        return hash?.GetCurrentHashAsUInt64();
    }

    /// <summary>
    /// Adds the ids (<c>commit:path</c>) of the manifests that <see cref="Of"/> will read for the lockfiles <paramref name="commit"/>
    /// changes, so that a scan can read them ahead in one batch.
    /// </summary>
    public static void AddManifestIds(GitCommit commit, ICollection<string> ids)
    {
        if (commit.Sha == GitHistorySource.StagedSha) return;
        foreach (var file in commit.Files)
        {
            if (file.Kind == FileChangeKind.Deleted || LockfileParsers.For(file.Path) is null) continue;
            var folder = Folder(file.Path);
            foreach (var name in LockfileParsers.ManifestsOf(file.Path).Where(m => !m.StartsWith('*'))) ids.Add(ManifestId(commit.Sha, folder, name));
        }
    }

    private static string ManifestId(string commit, string folder, string name) => $"{commit}:{(folder.Length == 0 ? name : folder + "/" + name)}";

    private static bool Within(string folder, string root) =>
        root.Length == 0 || folder == root || folder.StartsWith(root + "/", StringComparison.Ordinal);

    private static string Folder(string path) => path.LastIndexOf('/') is var slash and >= 0 ? path[..slash] : "";

    private static bool Matches(string name, string pattern) =>
        pattern.StartsWith('*') ? name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) : name.Equals(pattern, StringComparison.OrdinalIgnoreCase);
}
