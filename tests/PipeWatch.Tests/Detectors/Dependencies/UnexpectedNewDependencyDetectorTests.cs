using PipeWatch.Detectors.Dependencies;
using PipeWatch.Diagnostics;
using PipeWatch.Findings;
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

        var finding = Assert.Single(_history.Analyze(_detector, commit));

        Assert.Equal((Categories.UnexpectedNewDependency, Categories.UnexpectedNewDependency, Severity.High), (finding.Rule, finding.Category, finding.Severity));
        Assert.Equal("New transitive dependency lodahs@4.17.21 is unexpected", finding.Title);
        Assert.Equal(("package-lock.json", commit.Sha), (finding.Location.File, finding.Location.Commit));
        Assert.Equal("Eve Intruder", finding.Entity.Actor);
        Assert.Equal("lodash", finding.Evidence.Single(e => e.Name == "imitates").Value);
        Assert.Contains("one edit away from the popular npm package 'lodash'", finding.Explanation, StringComparison.Ordinal);
        Assert.Contains("the lockfile changed but the manifest it is resolved from did not", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_transitive_package_in_a_patch_level_bump_is_reported()
    {
        var commit = _history.Commit(
            "Dana Dev <dana@example.com>",
            ("package.json", CommitHistory.PackageJson("express")),
            ("package-lock.json", CommitHistory.NpmLock(Express with { Version = "4.18.3", Requires = ["ms", "debug"] }, Ms, new NpmEntry("debug", "2.6.9"))));

        var finding = Assert.Single(_history.Analyze(_detector, commit));

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

        Assert.Empty(_history.Analyze(_detector, commit));
    }

    [Theory]
    [InlineData("lodahs", "lodash")]
    [InlineData("expres", "express")]
    [InlineData("requets", "requests")]
    [InlineData("lodash", null)]
    [InlineData("left-pad", null)]
    [InlineData("ms", null)]
    public void Typosquats_are_one_edit_from_a_popular_name(string name, string? imitated)
    {
        var ecosystem = name == "requets" ? "PyPI" : "npm";

        Assert.Equal(imitated, PopularPackages.BuiltIn.Imitated(ecosystem, name));
    }
}
