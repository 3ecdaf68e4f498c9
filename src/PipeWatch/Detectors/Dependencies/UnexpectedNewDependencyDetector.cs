using PipeWatch.Dependencies.Versions;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>A package a commit adds that nothing explains: a lockfile changed without its manifest, a new transitive package in a patch-level bump, or a name one edit away from a popular package.</summary>
/// <remarks>An addition whose manifest changed in the same commit, and that raises none of these, is expected and not reported.</remarks>
public sealed class UnexpectedNewDependencyDetector : ICommitAnalyzer
{
    private readonly LockfileCache _files;
    private readonly PopularPackages _popular;

    public UnexpectedNewDependencyDetector(LockfileCache files, PopularPackages popular)
    {
        _files = files;
        _popular = popular;
    }

    public DetectorInfo Info { get; } = new(
        Categories.UnexpectedNewDependency,
        Categories.UnexpectedNewDependency,
        [],
        "A dependency added without a manifest change, inside a patch-level bump, or with a name imitating a popular package");

    public void Analyze(GitCommit commit, CommitContext context)
    {
        if (context.LearnOnly) return;
        foreach (var change in DependencyChanges.Of(commit, context, _files))
        {
            var bumps = change.IsLockfile ? PatchBumps(change) : [];
            foreach (var added in change.NewPackages)
            {
                var reasons = new List<string>();
                var evidence = new List<Evidence>();
                var severity = Severity.Medium;
                if (_popular.Imitated(added.Ecosystem, added.Name) is { } popular)
                {
                    reasons.Add($"its name is one edit away from the popular {added.Ecosystem} package '{popular}' (a likely typosquat)");
                    evidence.Add(Evidence.Of("imitates", popular));
                    severity = Severity.High;
                }

                if (change.IsLockfile && !change.ManifestChanged)
                {
                    reasons.Add("the lockfile changed but the manifest it is resolved from did not");
                    evidence.Add(Evidence.Of("manifest_changed", "false"));
                }

                if (!added.Direct && bumps.Count > 0)
                {
                    reasons.Add($"it appeared with the patch-level bump of {string.Join(", ", bumps)}, which should not bring new packages");
                    evidence.Add(Evidence.Of("patch_bumps", string.Join(", ", bumps)));
                }

                if (reasons.Count == 0) continue;
                context.Report(DependencyFindings.For(
                    Info,
                    FindingSite.Of(commit, context, change.Path),
                    added,
                    severity,
                    $"New {(added.Direct ? "direct" : "transitive")} dependency {added.Name}@{added.Version} is unexpected",
                    $"Commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} by {commit.Author.Name} <{commit.Author.Email}> adds {added.Ecosystem} package {added.Name} {added.Version} to {change.Path} "
                        + $"(from {added.Source}); unexpected because {string.Join("; and ", reasons)}.",
                    evidence));
            }
        }
    }

    /// <summary>Packages of the file whose version moved only in its patch number (same major and minor).</summary>
    private static List<string> PatchBumps(FileDependencyChange change)
    {
        var before = change.Before.GroupBy(d => d.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(d => d.Version).ToList(), StringComparer.Ordinal);
        var bumps = new List<string>();
        foreach (var d in change.NewVersions)
        {
            if (!before.TryGetValue(d.Name, out var versions) || versions.Contains(d.Version)) continue;
            if (versions.Any(v => SameMinor(v, d.Version) && SemverComparer.Instance.Compare(v, d.Version) < 0)) bumps.Add($"{d.Name} {versions[0]} → {d.Version}");
        }

        return bumps;
    }

    private static bool SameMinor(string a, string b)
    {
        var x = a.TrimStart('v').Split('.', '-', '+');
        var y = b.TrimStart('v').Split('.', '-', '+');
        return x.Length >= 3 && y.Length >= 3 && x[0] == y[0] && x[1] == y[1];
    }
}
