using System.Text;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Detectors;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Tests.Dependencies.Advisories;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>
/// The dependency detectors find exactly the same things in a history whose lockfile versions are made from the previous
/// version and the change's <c>-U0</c> hunk, and judged from the entries each change touched (as a scan runs them), as in the
/// same history read whole: a Renovate-style pnpm and yarn history with bumps, a new transitive package nothing requires, a
/// replaced hash, a tarball source and a vulnerable version, and nothing for the plain bumps.
/// </summary>
public sealed class IncrementalDependencyChangesTests
{
    private const string Bot = "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>";
    private const string Person = "Dana Dev <dana@example.com>";

    [Fact]
    public void A_pnpm_history_followed_by_its_hunks_gives_the_findings_of_the_whole_lists()
    {
        (string Author, string Lock)[] history =
        [
            (Person, Pnpm(("app-utils@2.0.0", "lodash: 4.17.21", null), ("lodash@4.17.21", null, null), ("ms@2.1.2", null, null))),
            (Bot, Pnpm(("app-utils@2.0.1", "lodash: 4.17.21", null), ("lodash@4.17.21", null, null), ("ms@2.1.2", null, null))),
            (Person, Pnpm(("app-utils@2.0.2", "lodash: 4.17.21", null), ("debug@4.3.4", null, null), ("lodash@4.17.21", null, null), ("ms@2.1.2", null, null))),
            (Person, Pnpm(("app-utils@2.0.2", "lodash: 4.17.21", null), ("debug@4.3.4", null, null), ("lodash@4.17.21", null, null), ("ms@2.1.2", null, "sha512-other"))),
            (Person, Pnpm(("app-utils@2.0.2", "lodash: 4.17.15", null), ("debug@4.3.4", null, null), ("lodash@4.17.15", null, null), ("ms@2.1.2", null, "sha512-other"), ("zz-left-pad@1.3.0", null, "tarball"))),
        ];

        var (whole, _) = Run(history, "pnpm-lock.yaml", withHunks: false);
        var (followed, incremental) = Run(history, "pnpm-lock.yaml", withHunks: true);

        Assert.Equal(
        [
            "2 dependency.unexpected-new New transitive dependency debug@4.3.4 is unexpected",
            "3 dependency.untrusted-source ms@2.1.2 is resolved from an untrusted source",
            "4 dependency.known-vulnerability lodash@4.17.15 is affected by GHSA-p6mc-m468-83gw (CVE-2020-8203)",
            "4 dependency.unexpected-new New transitive dependency zz-left-pad@1.3.0 is unexpected",
            "4 dependency.untrusted-source zz-left-pad@1.3.0 is resolved from an untrusted source",
        ], whole.Select(f => f.Summary));
        Assert.Equal(whole, followed);
        // Every change after the first was judged from its delta.
        Assert.Equal(history.Length - 1, incremental);
    }

    [Fact]
    public void A_yarn_history_followed_by_its_hunks_gives_the_findings_of_the_whole_lists()
    {
        (string Author, string Lock)[] history =
        [
            (Person, Yarn(("app-utils", "2.0.0", "lodash"), ("lodash", "4.17.21", null), ("ms", "2.1.2", null))),
            (Bot, Yarn(("app-utils", "2.0.1", "lodash"), ("lodash", "4.17.21", null), ("ms", "2.1.2", null))),
            (Person, Yarn(("app-utils", "2.0.1", "lodash"), ("debug", "4.3.4", null), ("lodash", "4.17.15", null), ("ms", "2.1.2", null))),
        ];

        var (whole, _) = Run(history, "yarn.lock", withHunks: false);
        var (followed, incremental) = Run(history, "yarn.lock", withHunks: true);

        Assert.Equal(
        [
            "2 dependency.known-vulnerability lodash@4.17.15 is affected by GHSA-p6mc-m468-83gw (CVE-2020-8203)",
            "2 dependency.unexpected-new New direct dependency debug@4.3.4 is unexpected",
        ], whole.Select(f => f.Summary));
        Assert.Equal(whole, followed);
        Assert.Equal(history.Length - 1, incremental);
    }

    [Fact]
    public void A_package_lock_history_read_after_each_version_gives_the_findings_of_the_whole_lists()
    {
        (string Author, string Lock)[] history =
        [
            (Person, CommitHistory.NpmLock(new NpmEntry("app-utils", "2.0.0", Direct: true, Requires: ["lodash"]), new NpmEntry("lodash", "4.17.21"))),
            (Bot, CommitHistory.NpmLock(new NpmEntry("app-utils", "2.0.1", Direct: true, Requires: ["lodash"]), new NpmEntry("lodash", "4.17.21"))),
            (Person, CommitHistory.NpmLock(new NpmEntry("app-utils", "2.0.1", Direct: true, Requires: ["lodash"]), new NpmEntry("debug", "4.3.4"), new NpmEntry("lodash", "4.17.15"))),
            (Person, CommitHistory.NpmLock(new NpmEntry("app-utils", "2.0.1", Direct: true, Requires: ["lodash"]), new NpmEntry("debug", "4.3.4", Resolved: "https://files.example.net/debug.tgz"), new NpmEntry("lodash", "4.17.15"))),
        ];

        var (whole, _) = Run(history, "package-lock.json", withHunks: false);
        var (followed, incremental) = Run(history, "package-lock.json", withHunks: true);

        Assert.Equal(
        [
            "2 dependency.known-vulnerability lodash@4.17.15 is affected by GHSA-p6mc-m468-83gw (CVE-2020-8203)",
            "2 dependency.unexpected-new New transitive dependency debug@4.3.4 is unexpected",
            "3 dependency.untrusted-source debug@4.3.4 is resolved from an untrusted source",
        ], whole.Select(f => f.Summary));
        Assert.Equal(whole, followed);
        Assert.Equal(history.Length - 1, incremental);
    }

    // Every finding of the three detectors over the history (commit index, rule, title, and all that identifies it), and how
    // many changes were judged from their delta.
    private static (List<Seen> Findings, long Incremental) Run((string Author, string Lock)[] history, string name, bool withHunks)
    {
        var commits = new CommitHistory { WithHunks = withHunks };
        var cache = new LockfileCache(new ProblemLog());
        ICommitDetector[] detectors =
        [
            new UnexpectedNewDependencyDetector(cache, PopularPackages.BuiltIn),
            new UntrustedSourceDetector(cache, new UntrustedSourceOptions()),
            new KnownVulnerabilityDetector(new InMemoryAdvisoryIndex([OsvFiles.Fixture("GHSA-p6mc-m468-83gw")]), cache),
        ];
        var seen = new List<Seen>();
        for (var i = 0; i < history.Length; i++)
        {
            var (author, text) = history[i];
            var commit = i == 0 ? commits.Commit(author, ("package.json", CommitHistory.PackageJson("app-utils")), (name, text)) : commits.Commit(author, (name, text));
            foreach (var detector in detectors)
            {
                seen.AddRange(commits.Inspect(detector, commit).Select(f => new Seen(i, f.Rule, f.Title, f.Explanation, f.Severity, f.Location, f.Fingerprint)));
            }
        }

        var incremental = cache.WorkCounts.Single(c => c.Name.StartsWith("dependency-file changes judged", StringComparison.Ordinal)).Count;
        return ([.. seen.OrderBy(s => s.Summary, StringComparer.Ordinal)], incremental);
    }

    // A pnpm v9 lockfile: the app depends on app-utils; each package with its snapshot's dependencies, its hash or a tarball.
    private static string Pnpm(params (string Key, string? Dependencies, string? Resolution)[] packages)
    {
        var text = new StringBuilder("lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n      app-utils:\n        specifier: ^2.0.0\n        version: ");
        text.Append(packages[0].Key[(packages[0].Key.IndexOf('@', StringComparison.Ordinal) + 1)..]).Append("\n\npackages:\n\n");
        foreach (var (key, _, resolution) in packages)
        {
            var hash = "sha512-" + Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(Encoding.UTF8.GetBytes(key)));
            text.Append("  ").Append(key).Append(":\n    resolution: {")
                .Append(resolution == "tarball" ? $"tarball: https://files.example.net/{key}.tgz" : "integrity: " + (resolution ?? hash))
                .Append("}\n\n");
        }

        text.Append("snapshots:\n\n");
        foreach (var (key, dependencies, _) in packages)
        {
            text.Append("  ").Append(key).Append(dependencies is null ? ": {}\n\n" : ":\n    dependencies:\n      " + dependencies + "\n\n");
        }

        return text.ToString();
    }

    // A yarn v1 lockfile: each package with its registry URL, hash and the one package it requires.
    private static string Yarn(params (string Name, string Version, string? Requires)[] packages)
    {
        var text = new StringBuilder("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n");
        foreach (var (name, version, requires) in packages)
        {
            var hash = "sha512-" + Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(Encoding.UTF8.GetBytes(name + version)));
            text.Append('\n').Append(name).Append("@^").Append(version).Append(":\n  version \"").Append(version)
                .Append("\"\n  resolved \"https://registry.yarnpkg.com/").Append(name).Append("/-/").Append(name).Append('-').Append(version).Append(".tgz\"\n  integrity ").Append(hash).Append('\n');
            if (requires is not null) text.Append("  dependencies:\n    ").Append(requires).Append(" \"^4.17.0\"\n");
        }

        return text.ToString();
    }

    private sealed record Seen(int Commit, string Rule, string Title, string Explanation, Severity Severity, Location Location, string Fingerprint)
    {
        public string Summary => $"{Commit} {Rule} {Title}";
    }
}
