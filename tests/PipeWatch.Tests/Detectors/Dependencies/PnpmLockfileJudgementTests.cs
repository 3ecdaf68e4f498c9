using System.Security.Cryptography;
using System.Text;
using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>
/// <c>dependency.unexpected-new</c> on pnpm workspace lockfiles as vitest's history has them: optional platform packages that come
/// in with esbuild, version 9's <c>snapshots</c>, and a lockfile a merge left with a key written twice (which pnpm's YAML reader
/// and ours refuse), fixed by the next commit.
/// </summary>
public sealed class PnpmLockfileJudgementTests
{
    private const string Person = "Vladimir Dev <vladimir@example.com>";
    private readonly ProblemLog _problems = new();
    private readonly UnexpectedNewDependencyDetector _detector;
    private readonly CommitHistory _history = new();

    public PnpmLockfileJudgementTests() => _detector = new(new LockfileCache(_problems), PopularPackages.BuiltIn, _problems);

    [Fact]
    public void An_optional_platform_package_of_a_moved_package_is_expected_and_an_entry_nothing_requires_is_not()
    {
        _history.Commit(Person, ("package.json", CommitHistory.PackageJson("vite")), ("pnpm-lock.yaml", V6(Vite("4.3.9", "0.17.19"), Esbuild("0.17.19"), Platform("linux-x64", "0.17.19"))));

        // "chore: update lock": vite and esbuild move a minor version; esbuild 0.18 lists a new platform binary among its optionalDependencies.
        var update = _history.Commit(Person, ("pnpm-lock.yaml", V6(Vite("4.5.0", "0.18.20"), Esbuild("0.18.20", "android-arm64"), Platform("linux-x64", "0.18.20"), Platform("android-arm64", "0.18.20"))));
        Assert.Empty(_history.Inspect(_detector, update));

        // The same kind of change with an entry that no package lists: still reported.
        var injected = _history.Commit(Person, ("pnpm-lock.yaml", V6(Vite("4.5.1", "0.18.20"), Esbuild("0.18.20", "android-arm64"), Platform("linux-x64", "0.18.20"), Platform("android-arm64", "0.18.20"), Package("/debug@4.3.4"))));
        var finding = Assert.Single(_history.Inspect(_detector, injected));
        Assert.Equal(("debug", Severity.Medium), (finding.Evidence.Single(e => e.Name == "package").Value, finding.Severity));
        Assert.Equal("New transitive dependency debug@4.3.4 is unexpected", finding.Title);
        Assert.Contains("the lockfile changed but the manifest it is resolved from did not", finding.Explanation, StringComparison.Ordinal);
        Assert.Empty(_problems.Problems);
    }

    [Fact]
    public void A_version_9_lockfile_states_dependencies_in_its_snapshots()
    {
        _history.Commit(Person, ("package.json", CommitHistory.PackageJson("vite")), ("pnpm-lock.yaml", V9(("vite@5.0.0", "esbuild: 0.19.5", null), ("esbuild@0.19.5", null, "'@esbuild/linux-x64': 0.19.5"), ("'@esbuild/linux-x64@0.19.5'", null, null))));

        var update = _history.Commit(Person, ("pnpm-lock.yaml", V9(
            ("vite@5.1.0", "esbuild: 0.20.0", null),
            ("esbuild@0.20.0", null, "'@esbuild/linux-x64': 0.20.0\n      '@esbuild/android-arm64': 0.20.0"),
            ("'@esbuild/linux-x64@0.20.0'", null, null),
            ("'@esbuild/android-arm64@0.20.0'", null, null))));
        Assert.Empty(_history.Inspect(_detector, update));

        var injected = _history.Commit(Person, ("pnpm-lock.yaml", V9(
            ("vite@5.1.1", "esbuild: 0.20.0", null),
            ("esbuild@0.20.0", null, "'@esbuild/linux-x64': 0.20.0\n      '@esbuild/android-arm64': 0.20.0"),
            ("'@esbuild/linux-x64@0.20.0'", null, null),
            ("'@esbuild/android-arm64@0.20.0'", null, null),
            ("debug@4.3.4", null, null))));
        var finding = Assert.Single(_history.Inspect(_detector, injected));
        Assert.Equal("New transitive dependency debug@4.3.4 is unexpected", finding.Title);
    }

    [Fact]
    public void After_a_lockfile_that_could_not_be_read_nothing_is_judged_new_and_the_problem_says_so()
    {
        var packages = new[] { Vite("4.5.0", "0.18.20"), Esbuild("0.18.20"), Platform("linux-x64", "0.18.20") };
        _history.Commit(Person, ("package.json", CommitHistory.PackageJson("vite")), ("pnpm-lock.yaml", V6(packages)));
        // A merge of two bot updates writes the same package twice: the file is no longer valid YAML.
        var broken = _history.Commit(Person, ("pnpm-lock.yaml", V6([.. packages, Package("/v8-to-istanbul@9.2.0"), Package("/v8-to-istanbul@9.2.0")])));
        Assert.Empty(_history.Inspect(_detector, broken));

        // "chore: fix broken file": every package of the repaired lockfile would read as added, none of them by a moved package.
        var fixedUp = _history.Commit(Person, ("pnpm-lock.yaml", V6([.. packages, Package("/v8-to-istanbul@9.2.0"), Package("/debug@4.3.4")])));
        Assert.Empty(_history.Inspect(_detector, fixedUp));

        var problem = _problems.Problems.Last();
        Assert.Equal(($"pnpm-lock.yaml (commit {fixedUp.Sha[..12]})", null), (problem.File, problem.Line));
        Assert.Equal(
            "dependency.unexpected-new: the version before this commit could not be read, so no package of it is judged new (only names imitating popular packages are checked)",
            problem.Reason);
        Assert.Contains(_problems.Problems, p => p.File == $"pnpm-lock.yaml (commit {broken.Sha[..12]})" && p.Reason.StartsWith("invalid YAML: Duplicate key", StringComparison.Ordinal));
    }

    [Fact]
    public void After_a_lockfile_that_could_not_be_read_a_typosquat_is_still_reported()
    {
        var packages = new[] { Vite("4.5.0", "0.18.20"), Esbuild("0.18.20") };
        _history.Commit(Person, ("package.json", CommitHistory.PackageJson("vite")), ("pnpm-lock.yaml", V6(packages)));
        _history.Commit(Person, ("pnpm-lock.yaml", V6([.. packages, Package("/ms@2.1.3"), Package("/ms@2.1.3")])));

        var fixedUp = _history.Commit("Eve Intruder <eve@example.net>", ("pnpm-lock.yaml", V6([.. packages, Package("/ms@2.1.3"), Package("/lodahs@4.17.21")])));

        var finding = Assert.Single(_history.Inspect(_detector, fixedUp));
        Assert.Equal((Severity.High, "lodash"), (finding.Severity, finding.Evidence.Single(e => e.Name == "imitates").Value));
        Assert.Equal("Dependency lodahs@4.17.21 is unexpected", finding.Title);
        Assert.Contains("has npm package lodahs 4.17.21 in pnpm-lock.yaml (its version before this commit could not be read, so whether the package is new is not known)", finding.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("manifest", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_patch_bump_is_named_from_the_version_of_its_own_minor_when_the_lockfile_holds_several()
    {
        // Two versions of @antfu/install-pkg side by side; 0.3.1 moves to 0.3.4, which lists a package nothing had before.
        _history.Commit(Person, ("package.json", CommitHistory.PackageJson("vite")), ("pnpm-lock.yaml", V6(Vite("4.5.0", "0.18.20"), Esbuild("0.18.20"), Package("/@antfu/install-pkg@0.1.1"), Package("/@antfu/install-pkg@0.3.1"))));

        var bump = _history.Commit(Person, ("pnpm-lock.yaml", V6(Vite("4.5.0", "0.18.20"), Esbuild("0.18.20"), Package("/@antfu/install-pkg@0.1.1"), Package("/@antfu/install-pkg@0.3.4", "tinyexec: 0.1.4"), Package("/tinyexec@0.1.4"))));

        var finding = Assert.Single(_history.Inspect(_detector, bump));
        Assert.Equal("@antfu/install-pkg 0.3.1 → 0.3.4", finding.Evidence.Single(e => e.Name == "patch_bumps").Value);
        Assert.Contains("it appeared with the patch-level bump of @antfu/install-pkg 0.3.1 → 0.3.4, which should not bring new packages", finding.Explanation, StringComparison.Ordinal);
    }

    private static string Integrity(string key) => "sha512-" + Convert.ToBase64String(SHA512.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Package(string key, string? dependencies = null, string? optional = null, string? extra = null)
    {
        var text = new StringBuilder($"  {key}:\n    resolution: {{integrity: {Integrity(key)}}}\n");
        if (extra is not null) text.Append(extra);
        if (dependencies is not null) text.Append($"    dependencies:\n      {dependencies}\n");
        if (optional is not null) text.Append($"    optionalDependencies:\n      {optional}\n");
        return text.Append("    dev: true\n").ToString();
    }

    private static string Vite(string version, string esbuild) => Package($"/vite@{version}", $"esbuild: {esbuild}", "fsevents: 2.3.3", "    engines: {node: ^14.18.0 || >=16.0.0}\n    hasBin: true\n");

    private static string Esbuild(string version, params string[] morePlatforms) =>
        Package($"/esbuild@{version}", optional: string.Join("\n      ", new[] { "linux-x64" }.Concat(morePlatforms).Select(p => $"'@esbuild/{p}': {version}")), extra: "    engines: {node: '>=12'}\n    hasBin: true\n    requiresBuild: true\n");

    private static string Platform(string platform, string version) =>
        Package($"/@esbuild/{platform}@{version}", extra: $"    cpu: [{platform.Split('-')[1]}]\n    os: [{platform.Split('-')[0]}]\n    requiresBuild: true\n    optional: true\n");

    private static string V6(params string[] packages) =>
        "lockfileVersion: '6.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    devDependencies:\n      vite:\n        specifier: ^4.3.9\n        version: 4.5.0\n\n"
        + "packages:\n\n" + string.Join("\n", packages);

    // Version 9: resolutions under packages, each package's dependencies under snapshots (keys carry peer suffixes there).
    private static string V9(params (string Key, string? Dependencies, string? Optional)[] packages)
    {
        var text = new StringBuilder("lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    devDependencies:\n      vite:\n        specifier: ^5.0.0\n        version: 5.0.0(@types/node@20.9.4)\n\npackages:\n\n");
        foreach (var p in packages) text.Append($"  {p.Key}:\n    resolution: {{integrity: {Integrity(p.Key)}}}\n    engines: {{node: '>=12'}}\n\n");
        text.Append("snapshots:\n\n");
        foreach (var p in packages)
        {
            var key = p.Key.StartsWith("vite@", StringComparison.Ordinal) ? p.Key + "(@types/node@20.9.4)" : p.Key;
            if (p.Dependencies is null && p.Optional is null)
            {
                text.Append($"  {key}: {{}}\n\n");
                continue;
            }

            text.Append($"  {key}:\n");
            if (p.Dependencies is not null) text.Append($"    dependencies:\n      {p.Dependencies}\n");
            if (p.Optional is not null) text.Append($"    optionalDependencies:\n      {p.Optional}\n");
            text.Append('\n');
        }

        return text.ToString();
    }
}
