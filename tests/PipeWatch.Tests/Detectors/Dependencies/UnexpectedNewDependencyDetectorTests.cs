using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

public sealed class UnexpectedNewDependencyDetectorTests
{
    private static readonly NpmEntry Express = new("express", "4.18.2", Direct: true, Requires: ["ms"]);
    private static readonly NpmEntry Ms = new("ms", "2.1.3");
    private readonly CommitHistory _history = new();
    private readonly UnexpectedNewDependencyDetector _detector = new(new LockfileCache(new ProblemLog()), PopularPackages.BuiltIn);

    public UnexpectedNewDependencyDetectorTests() =>
        _history.Commit("Dana Dev <dana@example.com>", ("package.json", CommitHistory.PackageJson("express")), ("package-lock.json", CommitHistory.NpmLock(Express, Ms)));

    [Fact]
    public void A_typosquat_added_to_the_lockfile_alone_is_reported_with_both_reasons()
    {
        var commit = _history.Commit("Eve Intruder <eve@example.net>", ("package-lock.json", CommitHistory.NpmLock(Express, Ms, new NpmEntry("lodahs", "4.17.21"))));

        var finding = Assert.Single(_history.Inspect(_detector, commit));

        Assert.Equal((Categories.UnexpectedNewDependency, Categories.UnexpectedNewDependency, Severity.High), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal("New transitive dependency lodahs@4.17.21 is unexpected", finding.Title);
        Assert.Equal(("package-lock.json", commit.Sha), (finding.Location.File, finding.Location.Commit));
        Assert.Equal("Eve Intruder", finding.Entity.Actor);
        Assert.Equal("lodash", finding.Evidence.Single(e => e.Name == "imitates").Value);
        Assert.Contains("one edit away from the popular npm package 'lodash'", finding.Explanation, StringComparison.Ordinal);
        Assert.Contains("the lockfile changed but the manifest it is resolved from did not", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependabot_bump_that_brings_the_new_versions_own_dependencies_is_expected()
    {
        // Dependabot's "Bump express from 4.18.2 to 4.18.3": the lockfile alone, and debug arrives as express 4.18.3's dependency.
        var commit = _history.Commit(
            "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
            ("package-lock.json", CommitHistory.NpmLock(Express with { Version = "4.18.3", Requires = ["ms", "debug"] }, Ms, new NpmEntry("debug", "2.6.9"))));

        Assert.Empty(_history.Inspect(_detector, commit));
    }

    [Fact]
    public void A_bot_named_commit_that_adds_a_typosquat_is_still_reported()
    {
        var commit = _history.Commit(
            "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
            ("package-lock.json", CommitHistory.NpmLock(Express with { Version = "4.18.3", Requires = ["ms", "lodahs"] }, Ms, new NpmEntry("lodahs", "4.17.21"))));

        var finding = Assert.Single(_history.Inspect(_detector, commit));

        Assert.Equal(("lodash", Severity.High), (finding.Evidence.Single(e => e.Name == "imitates").Value, finding.Severity));
        Assert.DoesNotContain("manifest", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_person_adding_a_package_no_moved_package_requires_to_the_lockfile_alone_is_still_reported()
    {
        // An injected entry: nothing in the lockfile moved, and no package lists it among its dependencies.
        var commit = _history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(Express, Ms, new NpmEntry("debug", "2.6.9"))));

        var finding = Assert.Single(_history.Inspect(_detector, commit));

        Assert.Equal(("debug", "false"), (finding.Evidence.Single(e => e.Name == "package").Value, finding.Evidence.Single(e => e.Name == "manifest_changed").Value));
        Assert.Contains("the lockfile changed but the manifest it is resolved from did not", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_person_regenerating_the_lockfile_alone_brings_the_moved_packages_own_dependencies_as_expected()
    {
        // mocha's "npm audit fix" and commander.js's lockfile refreshes: express moves a minor version within its range, and
        // debug comes in as express 4.19.0's dependency; the manifest is untouched.
        var commit = _history.Commit(
            "Dana Dev <dana@example.com>",
            ("package-lock.json", CommitHistory.NpmLock(Express with { Version = "4.19.0", Requires = ["ms", "debug"] }, Ms, new NpmEntry("debug", "2.6.9"))));

        Assert.Empty(_history.Inspect(_detector, commit));
    }

    [Fact]
    public void A_person_moving_a_package_by_a_patch_in_the_lockfile_alone_is_reported_for_the_patch_bump_that_brought_a_new_package()
    {
        // The event-stream shape: a patch release of express that suddenly depends on a new package.
        var commit = _history.Commit(
            "Dana Dev <dana@example.com>",
            ("package-lock.json", CommitHistory.NpmLock(Express with { Version = "4.18.3", Requires = ["ms", "debug"] }, Ms, new NpmEntry("debug", "2.6.9"))));

        var finding = Assert.Single(_history.Inspect(_detector, commit));

        Assert.Equal("express 4.18.2 → 4.18.3", finding.Evidence.Single(e => e.Name == "patch_bumps").Value);
        Assert.DoesNotContain(finding.Evidence, e => e.Name == "manifest_changed");
    }

    [Fact]
    public void A_workspace_lockfile_is_explained_by_a_manifest_of_one_of_its_packages()
    {
        // vitest's pnpm workspace: packages/vitest/package.json gains a dependency, the root lockfile records it.
        var history = new CommitHistory();
        history.Commit("Dana Dev <dana@example.com>", ("package.json", CommitHistory.PackageJson()), ("packages/web/package.json", CommitHistory.PackageJson("express")), ("package-lock.json", CommitHistory.NpmLock(Express, Ms)));
        var commit = history.Commit(
            "Dana Dev <dana@example.com>",
            ("packages/web/package.json", CommitHistory.PackageJson("express", "left-pad")),
            ("package-lock.json", CommitHistory.NpmLock(Express, Ms, new NpmEntry("left-pad", "1.3.0", Direct: true))));

        Assert.Empty(history.Inspect(_detector, commit));
    }

    [Fact]
    public void A_lockfile_introduced_for_an_existing_manifest_raises_nothing()
    {
        // mocha's "introduce package-lock.json": every package is new to the file, and the manifest it records did not change.
        var history = new CommitHistory();
        history.Commit("Dana Dev <dana@example.com>", ("package.json", CommitHistory.PackageJson("express")));
        var commit = history.Commit("Dana Dev <dana@example.com>", ("package-lock.json", CommitHistory.NpmLock(Express, Ms)));

        Assert.Empty(history.Inspect(_detector, commit));
    }

    [Fact]
    public void A_go_sum_grown_with_its_go_mod_is_expected_and_a_pseudo_version_move_is_not_a_patch_bump()
    {
        // node_exporter's "Bump all vendoring": go.mod moves golang.org/x/sys between two pseudo-versions (two commits, not a
        // patch release) and go.sum gains the hashes of the new module graph.
        var history = new CommitHistory();
        history.Commit("Ben Ops <ben@example.com>", ("go.mod", GoMod("v0.0.0-20181205085412-a5c9d58dba9a")), ("go.sum", GoSum(("golang.org/x/sys", "v0.0.0-20181205085412-a5c9d58dba9a"))));
        var commit = history.Commit(
            "Ben Ops <ben@example.com>",
            ("go.mod", GoMod("v0.0.0-20190215142949-d0b11bdaac8a")),
            ("go.sum", GoSum(("golang.org/x/sys", "v0.0.0-20190215142949-d0b11bdaac8a"), ("github.com/OneOfOne/xxhash", "v1.2.2"))));
        var alone = history.Commit(
            "Ben Ops <ben@example.com>",
            ("go.sum", GoSum(("golang.org/x/sys", "v0.0.0-20190215142949-d0b11bdaac8a"), ("github.com/OneOfOne/xxhash", "v1.2.2"), ("example.net/injected", "v1.0.0"))));

        Assert.Empty(history.Inspect(_detector, commit));
        var finding = Assert.Single(history.Inspect(_detector, alone));
        Assert.Equal(("example.net/injected", "false"), (finding.Evidence.Single(e => e.Name == "package").Value, finding.Evidence.Single(e => e.Name == "manifest_changed").Value));
    }

    private static string GoMod(string sys) => $"module example.com/exporter\n\ngo 1.21\n\nrequire golang.org/x/sys {sys}\n";

    private static string GoSum(params (string Module, string Version)[] modules) =>
        string.Concat(modules.Select(m => $"{m.Module} {m.Version} h1:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(m.Module + m.Version)))}\n"
            + $"{m.Module} {m.Version}/go.mod h1:{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(m.Module + m.Version + "/go.mod")))}\n"));

    [Fact]
    public void New_transitive_packages_of_a_direct_dependency_moved_past_a_patch_release_are_expected()
    {
        // commander.js's lockfile regenerations: a direct dependency moves a major or minor version and brings hundreds of
        // transitive packages, while other packages move by a patch in the same resolution.
        var commit = _history.Commit(
            "Dana Dev <dana@example.com>",
            ("package.json", CommitHistory.PackageJson("express")),
            ("package-lock.json", CommitHistory.NpmLock(Express with { Version = "5.0.1", Requires = ["ms", "debug"] }, Ms with { Version = "2.1.4" }, new NpmEntry("debug", "4.3.6"))));

        Assert.Empty(_history.Inspect(_detector, commit));
    }

    [Fact]
    public void A_new_transitive_package_in_a_patch_level_bump_is_reported()
    {
        var commit = _history.Commit(
            "Dana Dev <dana@example.com>",
            ("package.json", CommitHistory.PackageJson("express")),
            ("package-lock.json", CommitHistory.NpmLock(Express with { Version = "4.18.3", Requires = ["ms", "debug"] }, Ms, new NpmEntry("debug", "2.6.9"))));

        var finding = Assert.Single(_history.Inspect(_detector, commit));

        Assert.Equal((Severity.Medium, "debug"), (finding.Severity, finding.Evidence.Single(e => e.Name == "package").Value));
        Assert.Equal("express 4.18.2 → 4.18.3", finding.Evidence.Single(e => e.Name == "patch_bumps").Value);
    }

    [Fact]
    public void An_addition_explained_by_its_manifest_raises_nothing()
    {
        var commit = _history.Commit(
            "Dana Dev <dana@example.com>",
            ("package.json", CommitHistory.PackageJson("express", "left-pad")),
            ("package-lock.json", CommitHistory.NpmLock(Express, Ms, new NpmEntry("left-pad", "1.3.0", Direct: true))));

        Assert.Empty(_history.Inspect(_detector, commit));
    }

    [Fact]
    public async Task A_package_new_to_every_repository_of_the_estate_is_reported_and_one_used_elsewhere_is_not()
    {
        using var temp = new TempFolder();
        var store = temp.File("store.db");
        using var api = Api();
        using var web = WithLeftPad(Repository("git@github.com:acme/web.git"));
        var added = web.Commit("web: express and left-pad", "Sam Web <sam@example.com>");

        // The first repository meets an empty estate: cold start, nothing is new to it. Then the second, scanned into the same store.
        var first = await Scan.RunAsync(api.Path, store: store);
        var second = await Scan.RunAsync(web.Path, store: store);

        Assert.DoesNotContain(first.Findings, f => f.Category == Categories.UnexpectedNewDependency);
        var finding = Assert.Single(second.Findings, f => f.Category == Categories.UnexpectedNewDependency);
        Assert.Equal(("left-pad", "1.3.0", "package-lock.json", added, "acme/web", Severity.Medium),
            (Evidence(finding, "package"), Evidence(finding, "version"), finding.Location.File, finding.Location.Commit, finding.Entity.Repository, finding.Severity));
        Assert.Equal("1", Evidence(finding, "estate_repositories"));
        Assert.Contains("it is new to the estate: neither this repository nor the other repositories scanned into this store (acme/api) used it before", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_package_the_estate_learned_from_the_history_before_the_range_is_not_new()
    {
        using var temp = new TempFolder();
        var store = temp.File("store.db");
        using var api = Api();
        using var web = WithLeftPad(Repository("https://github.com/acme/web.git"));
        var old = web.Commit("web: left-pad, long ago");
        web.Write("package.json", CommitHistory.PackageJson("express")).Write("package-lock.json", CommitHistory.NpmLock(Express, Ms)).Commit("web: drop left-pad");
        await Scan.RunAsync(api.Path, store: store);

        // api comes back to a left-pad that web used before; web's history is only learned (before the range), api's commit is scanned.
        await Scan.RunAsync(web.Path, GitSelection.Default with { Since = old }, store: store);
        WithLeftPad(api).Commit("api: left-pad");
        api.Write("package.json", CommitHistory.PackageJson("express", "left-pad", "is-odd"))
            .Write("package-lock.json", CommitHistory.NpmLock(Express, Ms, new NpmEntry("left-pad", "1.3.0", Direct: true), new NpmEntry("is-odd", "3.0.1", Direct: true)))
            .Commit("api: is-odd");
        var again = await Scan.RunAsync(api.Path, store: store);

        Assert.Equal(["is-odd"], again.Findings.Where(f => f.Category == Categories.UnexpectedNewDependency).Select(f => Evidence(f, "package")));
    }

    /// <summary>acme/api with one commit: express and ms.</summary>
    private static TestRepository Api()
    {
        var api = Repository("https://github.com/acme/api.git");
        api.Write("package.json", CommitHistory.PackageJson("express")).Write("package-lock.json", CommitHistory.NpmLock(Express, Ms)).Commit("api: express");
        return api;
    }

    /// <summary>The repository's manifest and lockfile with left-pad added beside express, not committed.</summary>
    private static TestRepository WithLeftPad(TestRepository repo) =>
        repo.Write("package.json", CommitHistory.PackageJson("express", "left-pad"))
            .Write("package-lock.json", CommitHistory.NpmLock(Express, Ms, new NpmEntry("left-pad", "1.3.0", Direct: true)));

    private static TestRepository Repository(string origin)
    {
        var repo = new TestRepository();
        repo.Git("remote", "add", "origin", origin);
        return repo;
    }

    private static string Evidence(Finding f, string name) => f.Evidence.Single(e => e.Name == name).Value;

    [Theory]
    [InlineData("lodahs", "lodash")]
    [InlineData("expres", "express")]
    [InlineData("requets", "requests")]
    [InlineData("lodash", null)]
    [InlineData("left-pad", null)]
    [InlineData("ms", null)]
    [InlineData("ijson", null)]
    [InlineData("ujsno", "ujson")]
    [InlineData("psycopg", null)]
    [InlineData("preact", null)]
    [InlineData("loadash", "lodash")]
    public void Typosquats_are_one_edit_from_a_popular_name_and_not_themselves_popular(string name, string? imitated)
    {
        // ijson is one edit from ujson and among PyPI's most downloaded; loadash is one edit from lodash with far fewer downloads.
        var ecosystem = name is "requets" or "ijson" or "ujsno" or "psycopg" ? "PyPI" : "npm";

        Assert.Equal(imitated, PopularPackages.BuiltIn.Imitated(ecosystem, name));
    }
}
