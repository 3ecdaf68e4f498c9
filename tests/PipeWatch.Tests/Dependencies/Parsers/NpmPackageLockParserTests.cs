using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

public sealed class NpmPackageLockParserTests
{
    private static readonly NpmPackageLockParser Parser = new();

    private static IReadOnlyList<Dependency> Read(string file) => Lockfile.Packages(Parser, "javascript", "packagelockjson", file);

    [Theory]
    [InlineData("alias.v1.json", 3)]
    [InlineData("alias.v2.json", 3)]
    [InlineData("bundled-dependencies.v3.json", 3)]
    [InlineData("commits.v1.json", 15)]
    [InlineData("commits.v2.json", 14)]
    [InlineData("empty.v1.json", 0)]
    [InlineData("empty.v2.json", 0)]
    [InlineData("files.v1.json", 2)]
    [InlineData("files.v2.json", 2)]
    [InlineData("nested-dependencies-dup.v1.json", 73)]
    [InlineData("nested-dependencies-dup.v2.json", 36)]
    [InlineData("nested-dependencies.v1.json", 5)]
    [InlineData("nested-dependencies.v2.json", 5)]
    [InlineData("scoped-packages.v2.json", 2)]
    [InlineData("both/npm-shrinkwrap.json", 2)]
    [InlineData("npm-shrinkwrap-only/npm-shrinkwrap.json", 2)]
    public void Counts_every_installed_package(string file, int count) => Assert.Equal(count, Read(file).Count);

    [Fact]
    public void Version_2_reads_registry_tarball_integrity_line_and_direct_from_the_project_entry()
    {
        var packages = Read("commits.v2.json");

        var ansi = packages.Single("ansi-styles", "1.0.0");
        Assert.Equal(new DependencySource(SourceKind.Registry, "https://registry.npmjs.org/ansi-styles/-/ansi-styles-1.0.0.tgz"), ansi.Source);
        Assert.Equal("sha1-yxAt8cVvUSPquLZ817mAJ6AnkXg=", ansi.Integrity);
        Assert.False(ansi.Direct);
        var php = packages.Single("babel-preset-php", "1.1.1");
        Assert.Equal(SourceKind.Git, php.Source.Kind);
        Assert.Equal("git+ssh://git@gitlab.com/kornelski/babel-preset-php.git#c5a7ba5e0ad98b8db1cb8ce105403dd4b768cced", php.Source.Location);
        Assert.True(php.Direct);
        Assert.True(php.Dev);
        Assert.Equal(["php-parser"], php.Requires);
        Assert.Equal(106, packages.Single("is-number-5", "3.0.0").Line);
    }

    [Fact]
    public void Aliases_are_reported_under_the_real_package_name()
    {
        Assert.Equal(["@babel/code-frame@7.0.0", "string-width@5.1.2", "string-width@4.2.0"], Read("alias.v2.json").Select(p => $"{p.Name}@{p.Version}"));
        Assert.Equal(["@babel/code-frame@7.0.0", "string-width@5.1.2", "string-width@4.2.0"], Read("alias.v1.json").Select(p => $"{p.Name}@{p.Version}"));
    }

    [Fact]
    public void Version_1_nests_dependencies_and_takes_git_versions_from_the_commit()
    {
        var nested = Read("nested-dependencies.v1.json");
        Assert.False(nested.Single("postcss", "7.0.16").Direct);
        Assert.True(nested.Single("postcss-calc", "7.0.1").Direct);
        // postcss-calc requires "postcss", so the top-level postcss is taken as transitive.
        Assert.False(nested.Single("postcss", "6.0.23").Direct);
        var commits = Read("commits.v1.json");
        var pixel = commits.Single("@segment/analytics.js-integration-facebook-pixel", "3b1bb80b302c2e552685dc8a029797ec832ea7c9");
        Assert.Equal(SourceKind.Git, pixel.Source.Kind);
        var files = Read("files.v1.json");
        Assert.Equal(new DependencySource(SourceKind.Path, "file:deps/other_package"), files.Single("other_package", "").Source);
    }

    [Fact]
    public void Workspace_folders_are_not_packages_but_their_node_modules_are()
    {
        var packages = Read("files.v2.json");

        Assert.Equal(["abbrev@1.0.9", "abbrev@2.3.4"], packages.Select(p => $"{p.Name}@{p.Version}"));
        Assert.True(packages[0].Dev);
    }

    [Fact]
    public void Text_that_is_not_json_is_a_problem_with_its_line()
    {
        var problem = Lockfile.Refused(Parser, "javascript", "packagelockjson", "not-json.txt");

        Assert.StartsWith("invalid JSON", problem.Reason, StringComparison.Ordinal);
        Assert.Equal(1, problem.Line);
    }

    [Fact]
    public void Recognizes_lockfile_names_only()
    {
        Assert.True(Parser.Recognizes("web/package-lock.json"));
        Assert.True(Parser.Recognizes("npm-shrinkwrap.json"));
        Assert.False(Parser.Recognizes("package.json"));
    }
}
