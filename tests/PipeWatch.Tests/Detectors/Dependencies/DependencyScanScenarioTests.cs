using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Detectors.Dependencies;

/// <summary>The dependency detectors in the real scan engine over a real git repository built with the git CLI.</summary>
public sealed class DependencyScanScenarioTests
{
    [Fact]
    public async Task A_typosquat_from_an_outside_tarball_added_to_the_lockfile_alone_raises_both_findings_for_that_commit()
    {
        using var repo = new TestRepository();
        var express = new NpmEntry("express", "4.18.2", Direct: true, Requires: ["ms"]);
        var ms = new NpmEntry("ms", "2.1.3");
        repo.Write("package.json", CommitHistory.PackageJson("express")).Write("package-lock.json", CommitHistory.NpmLock(express, ms));
        repo.Commit("add express");
        repo.Write("package.json", CommitHistory.PackageJson("express", "left-pad"))
            .Write("package-lock.json", CommitHistory.NpmLock(express, ms, new NpmEntry("left-pad", "1.3.0", Direct: true)));
        repo.Commit("add left-pad");
        repo.Write("package-lock.json", CommitHistory.NpmLock(express, ms, new NpmEntry("left-pad", "1.3.0", Direct: true), new NpmEntry("lodahs", "4.17.21", Resolved: "https://cdn.evil.example/lodahs-4.17.21.tgz")));
        var bad = repo.Commit("bump lockfile", author: "Eve Intruder <eve@example.net>");

        var result = await Scan.RunAsync(repo.Path);

        Assert.Empty(result.Problems);
        var dependencyFindings = result.Findings.Where(f => f.Category.StartsWith("dependency.", StringComparison.Ordinal)).OrderBy(f => f.Category, StringComparer.Ordinal).ToList();
        Assert.Equal([Categories.UnexpectedNewDependency, Categories.UntrustedSource], dependencyFindings.Select(f => f.Category));
        Assert.All(dependencyFindings, f =>
        {
            Assert.Equal(bad, f.Location.Commit);
            Assert.Equal("package-lock.json", f.Location.File);
            Assert.Equal("lodahs", f.Evidence.Single(e => e.Name == "package").Value);
            Assert.Equal("Eve Intruder", f.Entity.Actor);
            Assert.Equal(Severity.High, f.Severity);
        });
    }
}
