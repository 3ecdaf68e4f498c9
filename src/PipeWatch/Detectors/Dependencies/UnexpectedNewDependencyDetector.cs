using PipeWatch.Dependencies.Versions;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>A package a commit adds that nothing explains: a lockfile changed without its manifest, a new transitive package in a patch-level bump, a package no repository of the estate used before, or a name one edit away from a popular package.</summary>
/// <remarks>
/// An addition whose manifest changed in the same commit (or since the lockfile last changed: a lock brought up to date), and
/// that raises none of these, is expected and not reported; so is a lockfile whose new content the scan saw before (a revert).
/// The estate (every repository scanned into the store, see <see cref="EstatePackages"/>) is learned from every commit, those
/// before the scanned range included; it speaks only once it holds a repository besides the one scanned.
/// When the file's version before the commit cannot be read (a missing object, or a lockfile its parser refuses, such as one a
/// merge left with a key written twice), nothing is judged new: that is stated as a problem naming the commit and the file, and
/// only a name imitating a popular package, which does not depend on what came before, is still reported.
/// </remarks>
internal sealed class UnexpectedNewDependencyDetector : ICommitDetector, ICommitPreparer, IWorkCounts
{
    private readonly LockfileCache _files;
    private readonly PopularPackages _popular;
    private readonly IProblemReporter? _problems;

    public UnexpectedNewDependencyDetector(LockfileCache files, PopularPackages popular, IProblemReporter? problems = null)
    {
        _files = files;
        _popular = popular;
        _problems = problems;
    }

    public IEnumerable<(string Name, long Count)> WorkCounts => _files.WorkCounts;

    public DetectorInfo Info { get; } = new(
        Categories.UnexpectedNewDependency,
        Categories.UnexpectedNewDependency,
        [],
        "A dependency added without a manifest change, inside a patch-level bump, new to every repository of the estate, or with a name imitating a popular package");

    /// <summary>Parses the commit's dependency files on a preparation worker (see <see cref="LockfileCache.Prepare"/>).</summary>
    public object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs) => _files.Prepare(commit, blobs);

    public void Inspect(GitCommit commit, CommitContext context)
    {
        var changes = DependencyChanges.Of(commit, context, _files);
        if (changes.Count == 0) return;
        var estate = new EstatePackages(context.Detection.Baselines);
        if (!context.LearnOnly) Judge(commit, context, changes, estate);

        // Learned after judging, from commits before the scanned range too: the estate is what came before this commit.
        foreach (var change in changes)
        {
            foreach (var added in change.NewPackages) estate.Learn(added, context.Repository);
        }
    }

    private void Judge(GitCommit commit, CommitContext context, IReadOnlyList<FileDependencyChange> changes, EstatePackages estate)
    {
        var others = estate.Others(context.Repository);
        foreach (var change in changes)
        {
            // Said when there is something to judge (both sides unreadable: the lockfile stays broken, its own problem says so).
            if (change.BeforeUnreadable && change.After.Count > 0)
            {
                _problems?.Report(new Problem(
                    $"{change.Path} (commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]})",
                    $"{Categories.UnexpectedNewDependency}: the version before this commit could not be read, so no package of it is judged new (only names imitating popular packages are checked)"));
            }

            // Content seen earlier in the scanned range (a lock reverted to an earlier version, a merge) was judged there.
            if (change.SeenBefore) continue;

            // Everything below is about the packages the change added: most changes (version moves) add none.
            var newPackages = change.NewPackages.ToList();
            if (newPackages.Count == 0) continue;

            // A direct dependency added, or moved past a patch release, brings new transitive packages by design: the
            // patch-bump reason is for a commit whose direct changes are patch-level at most.
            var bumps = change.IsLockfile && !DirectChangeBeyondPatch(change) ? PatchBumps(change) : [];
            var botMove = DependencyBotUpdates.IsVersionMove(commit, change);
            var graph = change.IsLockfile ? LockfileMoves.Of(change) : null;
            foreach (var added in newPackages)
            {
                // What a bot's version bump brings with it is expected of a bump (see DependencyBotUpdates).
                var expectedOfBump = botMove && !added.Direct;
                var reasons = new List<string>();
                var evidence = new List<Evidence>();
                var severity = Severity.Medium;
                if (_popular.Imitated(added.Ecosystem, added.Name) is { } popular)
                {
                    reasons.Add($"its name is one edit away from the popular {added.Ecosystem} package '{popular}' (a likely typosquat)");
                    evidence.Add(Evidence.Of("imitates", popular));
                    severity = Severity.High;
                }

                // A lockfile changed alone is expected when its new package comes in with a package the same change moved or
                // added (a regenerated lockfile, `npm update`, `cargo update`, `npm audit fix`), or when the lockfile is new.
                // Without the version before, every package reads as added: only the name, which needs no earlier version, is judged.
                if (change.BeforeUnreadable)
                {
                    if (reasons.Count > 0) Report(commit, context, change, added, severity, reasons, evidence);
                    continue;
                }

                if (change.IsLockfile && !change.ManifestChanged && !expectedOfBump && graph?.Explains(added) != true)
                {
                    reasons.Add("the lockfile changed but the manifest it is resolved from did not");
                    evidence.Add(Evidence.Of("manifest_changed", "false"));
                }

                if (others.Count > 0 && estate.UsedBy(added).Count == 0)
                {
                    var named = string.Join(", ", others.Take(3)) + (others.Count > 3 ? $" and {others.Count - 3} more" : "");
                    reasons.Add($"it is new to the estate: neither this repository nor the other repositories scanned into this store ({named}) used it before");
                    evidence.Add(Evidence.Of("estate_repositories", others.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                var patchBumps = !added.Direct && !expectedOfBump && graph is not null ? graph.PatchBumpsBehind(added, bumps, change.ManifestChanged) : [];
                if (patchBumps.Count > 0)
                {
                    reasons.Add($"it appeared with the patch-level bump of {string.Join(", ", patchBumps.Select(b => b.Text))}, which should not bring new packages");
                    evidence.Add(Evidence.Of("patch_bumps", string.Join(", ", patchBumps.Select(b => b.Text))));
                }

                if (reasons.Count == 0) continue;
                Report(commit, context, change, added, severity, reasons, evidence);
            }
        }
    }

    private void Report(GitCommit commit, CommitContext context, FileDependencyChange change, PipeWatch.Dependencies.Dependency added, Severity severity, List<string> reasons, List<Evidence> evidence)
    {
        var adds = change.BeforeUnreadable ? "has" : "adds";
        var into = change.BeforeUnreadable ? "in" : "to";
        var unread = change.BeforeUnreadable ? " (its version before this commit could not be read, so whether the package is new is not known)" : "";
        context.Report(DependencyFindings.For(
            Info,
            FindingSite.Of(commit, context, change.Path),
            added,
            severity,
            $"{(change.BeforeUnreadable ? "Dependency" : $"New {(added.Direct ? "direct" : "transitive")} dependency")} {added.Name}@{added.Version} is unexpected",
            $"Commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} by {commit.Author.Name} <{commit.Author.Email}> {adds} {added.Ecosystem} package {added.Name} {added.Version} {into} {change.Path}{unread} "
                + $"(from {added.Source}); unexpected because {string.Join("; and ", reasons)}.",
            evidence));
    }

    /// <summary>Packages of the file whose version moved only in its patch number (same major and minor).</summary>
    private static List<PatchBump> PatchBumps(FileDependencyChange change)
    {
        var before = change.VersionsBeforeOfNewNames;
        var bumps = new List<PatchBump>();
        foreach (var d in change.NewVersions)
        {
            if (!before.TryGetValue(d.Name, out var versions) || versions.Contains(d.Version)) continue;
            // Named from the version of the same minor it moved from (a lockfile may hold several versions of one package).
            var from = versions.Where(v => SameMinor(v, d.Version) && SemverComparer.Instance.Compare(v, d.Version) < 0).Order(SemverComparer.Instance).LastOrDefault();
            if (from is not null) bumps.Add(new PatchBump(d.Name, $"{d.Name} {from} → {d.Version}"));
        }

        return bumps;
    }

    private static bool DirectChangeBeyondPatch(FileDependencyChange change)
    {
        var before = change.VersionsBeforeOfNewNames;
        return change.NewVersions.Any(d => d.Direct && (!before.TryGetValue(d.Name, out var versions) || !versions.Any(v => SameMinor(v, d.Version))));
    }

    // Release versions only: a pre-release or a Go pseudo-version (v0.0.0-20190308221718-c2843e01d9a2, an arbitrary commit) says
    // nothing of the size of a move.
    private static bool SameMinor(string a, string b)
    {
        var x = a.TrimStart('v').Split('.');
        var y = b.TrimStart('v').Split('.');
        return x.Length == 3 && y.Length == 3 && x.Concat(y).All(p => p.Length > 0 && p.All(char.IsAsciiDigit)) && x[0] == y[0] && x[1] == y[1];
    }
}
