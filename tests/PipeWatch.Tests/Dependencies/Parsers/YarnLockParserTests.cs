using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class YarnLockParserTests
{
    private static readonly YarnLockParser Parser = new();

    private static IReadOnlyList<Dependency> Read(string file) => Lockfile.Packages(Parser, "javascript", "yarnlock", file);

    [Theory]
    [InlineData("commits.v1.lock", 18)]
    [InlineData("commits.v2.lock", 7)]
    [InlineData("empty.v1.lock", 0)]
    [InlineData("empty.v2.lock", 0)]
    [InlineData("exclude-root.v2.lock", 1)]
    [InlineData("files.v1.lock", 6)]
    [InlineData("files.v2.lock", 1)]
    [InlineData("metadata-only.v2.lock", 0)]
    [InlineData("multiple-versions.v1.lock", 4)]
    [InlineData("multiple-versions.v2.lock", 3)]
    [InlineData("scoped-packages.v2.lock", 3)]
    [InlineData("with-aliases.v1.lock", 3)]
    [InlineData("with-aliases.v2.lock", 3)]
    [InlineData("with-build-string.v2.lock", 2)]
    [InlineData("with-prerelease.v1.lock", 5)]
    [InlineData("with-prerelease.v2.lock", 2)]
    [InlineData("with-quotes.v2.lock", 2)]
    public void Counts_every_package_but_workspaces(string file, int count) => Assert.Equal(count, Read(file).Count);

    [Fact]
    public void Classic_reads_version_resolved_url_integrity_and_line()
    {
        var match = Read("no-version.v1.lock").Single("balanced-match", "1.0.2");

        Assert.Equal(new DependencySource(SourceKind.Registry, "https://registry.yarnpkg.com/balanced-match/-/balanced-match-1.0.2.tgz#e83e3a7e3f300b34cb9d87f615fa0cbf357690ee"), match.Source);
        Assert.Equal("sha512-3oSeUO0TMV67hN1AmbXsK4yaqU7tjiHlbxRDZOpH0KW9+CeX4bRAaX0Anxt0tx2MrpRpWwQaPwIlISEJhYU5Pw==", match.Integrity);
        Assert.Equal(5, match.Line);
    }

    [Fact]
    public void Classic_git_and_local_sources_are_told_apart()
    {
        var commits = Read("commits.v1.lock");
        Assert.Equal(new DependencySource(SourceKind.Git, "git+ssh://git@github.com:G-Rath/npm-git-repo-2#0a2d2506c1fe299691fc5db53a2097db3bd615bc"), commits.Single("mine1", "1.0.0-alpha.37").Source);
        Assert.Equal(SourceKind.Git, commits.Single("mine2", "0.0.1").Source.Kind);
        var files = Read("files.v1.lock");
        Assert.Equal(new DependencySource(SourceKind.Path, "file:../../correct/path/filedep"), files.Single("filedep", "1.2.0").Source);
        Assert.Equal(["lodash", "filedep", "etag"], files.Single("other_package", "0.0.2").Requires);
        Assert.Equal(new DependencySource(SourceKind.Path, "link:./deps/etag"), files.Single("etag", "1.8.0").Source);
    }

    [Fact]
    public void Aliases_are_reported_under_the_real_package_name()
    {
        Assert.Equal(["ansi-regex@5.0.1", "ansi-regex@6.0.1", "@babel/helper-validator-identifier@7.22.20"], Read("with-aliases.v1.lock").Select(p => $"{p.Name}@{p.Version}"));
        Assert.Equal(["ansi-regex@5.0.1", "ansi-regex@6.0.1", "@babel/helper-validator-identifier@7.22.20"], Read("with-aliases.v2.lock").Select(p => $"{p.Name}@{p.Version}"));
    }

    [Fact]
    public void Berry_takes_direct_dependencies_from_the_workspace_and_git_from_the_resolution()
    {
        var packages = Read("with-build-string.v2.lock");

        var domino = packages.Single("domino", "2.1.6+git");
        Assert.Equal(new DependencySource(SourceKind.Git, "https://github.com/angular/domino.git#commit=f2435fe1f9f7c91ade0bd472c4723e5eacd7d19a"), domino.Source);
        Assert.True(domino.Direct);
        var tslib = packages.Single("tslib", "2.6.2");
        Assert.Equal(SourceKind.Registry, tslib.Source.Kind);
        Assert.StartsWith("329ea561", tslib.Integrity, StringComparison.Ordinal);
        Assert.True(tslib.Direct);
    }

    [Fact]
    public void A_line_that_is_neither_header_nor_field_is_a_problem_with_its_line()
    {
        var parse = Parser.Parse("yarn.lock", "# yarn lockfile v1\n\nleft-pad@^1.0.0:\n  version \"1.3.0\"\nthis is not yarn\n");

        Assert.Empty(parse.Dependencies);
        Assert.Equal(5, Assert.Single(parse.Problems).Line);
    }
}
