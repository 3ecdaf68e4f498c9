using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>What one commit did to one dependency file: the packages before and after, and whether the manifest it is resolved from changed too.</summary>
internal sealed class FileDependencyChange
{
    private readonly HashSet<string> _namesBefore;
    private readonly Dictionary<string, Dependency> _before;

    public FileDependencyChange(string path, bool isLockfile, IReadOnlyList<Dependency> before, IReadOnlyList<Dependency> after, bool manifestChanged, bool beforeUnreadable = false)
    {
        BeforeUnreadable = beforeUnreadable;
        Path = path;
        IsLockfile = isLockfile;
        Before = before;
        After = after;
        ManifestChanged = manifestChanged;
        _namesBefore = before.Select(d => d.Ecosystem + "|" + d.Name).ToHashSet(StringComparer.Ordinal);
        _before = [];
        foreach (var d in before) _before.TryAdd(d.Key, d);
    }

    public string Path { get; }

    /// <summary>True for a lockfile (resolved from a manifest), false for a manifest that declares its packages itself.</summary>
    public bool IsLockfile { get; }

    public IReadOnlyList<Dependency> Before { get; }

    public IReadOnlyList<Dependency> After { get; }

    /// <summary>
    /// True when the file existed before the commit but that version could not be read (a missing object, or a file its parser
    /// refused, such as a pnpm lockfile with a key written twice by a merge): <see cref="Before"/> is empty then, so nothing can
    /// be said about which packages are new.
    /// </summary>
    public bool BeforeUnreadable { get; }

    /// <summary>True when the same commit changed the manifest this lockfile is resolved from.</summary>
    public bool ManifestChanged { get; }

    /// <summary>Packages (by ecosystem and name) the file did not have before.</summary>
    public IEnumerable<Dependency> NewPackages => After.Where(d => !_namesBefore.Contains(d.Ecosystem + "|" + d.Name)).DistinctBy(d => d.Key);

    /// <summary>Package versions the file did not have before (new packages, upgrades and downgrades).</summary>
    public IEnumerable<Dependency> NewVersions => After.Where(d => !_before.ContainsKey(d.Key)).DistinctBy(d => d.Key);

    /// <summary>The entry for the same package and version before the commit, if there was one.</summary>
    public Dependency? Previous(Dependency d) => _before.GetValueOrDefault(d.Key);
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
        foreach (var file in commit.Files)
        {
            if (LockfileParsers.For(file.Path) is not { } parser) continue;
            var before = cache.Read(parser, file.OldPath ?? file.Path, file.OldBlob, context.Blobs, commit.Sha, prepared, out var beforeUnreadable);
            var after = file.Kind == FileChangeKind.Deleted ? [] : cache.Read(parser, file.Path, file.NewBlob, context.Blobs, commit.Sha, prepared, out _);
            var manifests = LockfileParsers.ManifestsOf(file.Path);
            var folder = Folder(file.Path);
            // A workspace lockfile (pnpm, npm and yarn workspaces, Cargo workspaces) is resolved from every manifest at or below its folder.
            var manifestChanged = manifests.Count > 0 && commit.Files.Any(f => Within(Folder(f.Path), folder) && manifests.Any(m => Matches(SourceText.FileName(f.Path), m)));
            (changes ??= []).Add(new FileDependencyChange(file.Path, manifests.Count > 0, before, after, manifestChanged, beforeUnreadable));
        }

        return cache.RememberChanges(commit.Sha, changes ?? (IReadOnlyList<FileDependencyChange>)[]);
    }

    private static bool Within(string folder, string root) =>
        root.Length == 0 || folder == root || folder.StartsWith(root + "/", StringComparison.Ordinal);

    private static string Folder(string path) => path.LastIndexOf('/') is var slash and >= 0 ? path[..slash] : "";

    private static bool Matches(string name, string pattern) =>
        pattern.StartsWith('*') ? name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) : name.Equals(pattern, StringComparison.OrdinalIgnoreCase);
}
