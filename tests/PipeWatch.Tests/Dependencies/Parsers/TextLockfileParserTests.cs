using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>go.mod/go.sum, Gemfile.lock, Gradle lockfiles and requirements.txt on the corpus files.</summary>
public sealed class TextLockfileParserTests
{
    private static readonly GoModParser Go = new();

    [Theory]
    [InlineData("empty.mod", 0)]
    [InlineData("indirect-1.23.mod", 2)]
    [InlineData("indirect-packages.mod", 5)]
    [InlineData("one-package.mod", 1)]
    [InlineData("two-packages.mod", 2)]
    [InlineData("replace-different.mod", 2)]
    [InlineData("replace-local.mod", 2)]
    [InlineData("toolchain.mod", 1)]
    public void Go_mod_counts_required_modules(string file, int count) =>
        Assert.Equal(count, Lockfile.Packages(Go, "golang", "gomod", file).Count);

    [Fact]
    public void Go_mod_indirect_and_replacements()
    {
        var logrus = Assert.Single(Lockfile.Packages(Go, "golang", "gomod", "indirect-1.16.mod"));
        Assert.Equal(new Dependency(Ecosystems.Go, "github.com/sirupsen/logrus", "v1.9.3", true, new DependencySource(SourceKind.Registry), null, 5), logrus);

        Assert.Equal(["example.com/fork/foe@v1.4.5", "example.com/fork/foe@v1.4.2"], Lockfile.Packages(Go, "golang", "gomod", "replace-different.mod").Select(d => $"{d.Name}@{d.Version}"));
        var local = Lockfile.Packages(Go, "golang", "gomod", "replace-local.mod").Single(d => d.Name == "golang.org/x/net");
        Assert.Equal(new DependencySource(SourceKind.Path, "./fork/net"), local.Source);
        Assert.Equal(9, Go.Parse("x/go.sum", File.ReadAllText(Support.Corpus.File("lockfiles", "osv-scalibr", "golang", "gomod", "indirect-1.16.sum"))).Dependencies.Count);
    }

    [Fact]
    public void Text_that_is_not_go_mod_is_a_problem_with_its_line() =>
        Assert.Equal(1, Lockfile.Refused(Go, "golang", "gomod", "not-go-mod.mod").Line);

    [Fact]
    public void Gemfile_lock_reads_gem_git_and_direct_sections()
    {
        var gems = Lockfile.Packages(new GemfileLockParser(), "ruby", "gemfilelock", "has-git-gem.lock");

        var controller = gems.Single("hanami-controller", "2.0.0.alpha1");
        Assert.Equal(new DependencySource(SourceKind.Git, "https://github.com/hanami/controller.git#027dbe2e56397b534e859fc283990cad1b6addd6"), controller.Source);
        Assert.Equal(["hanami-utils", "rack"], controller.Requires);
        Assert.True(gems.Single("hanami-utils", "2.0.0.alpha1").Direct);
        Assert.Equal(new DependencySource(SourceKind.Registry, "https://rubygems.org/"), gems.Single("rack", "2.2.3").Source);
    }

    [Theory]
    [InlineData("5-pkg", 5, 0)]
    [InlineData("one-pkg", 1, 0)]
    [InlineData("only-comments", 0, 0)]
    [InlineData("only-empty", 0, 0)]
    [InlineData("with-bad-pkg", 2, 4)]
    public void Gradle_lockfile_lines_and_bad_lines(string file, int count, int problems)
    {
        var parse = Lockfile.Read(new GradleLockfileParser(), "java", "gradlelockfile", file);

        Assert.Equal((count, problems), (parse.Dependencies.Count, parse.Problems.Count));
    }

    [Fact]
    public void Requirements_pins_hashes_urls_and_continuations()
    {
        var parser = new RequirementsTxtParser();
        var options = Lockfile.Read(parser, "python", "requirements", "per_req_options.txt").Dependencies;
        Assert.Equal(("1.0", "sha256:123"), (options.Single(d => d.Name == "foo1").Version, options.Single(d => d.Name == "foo1").Integrity));
        Assert.Equal("sha256:123", options.Single(d => d.Name == "foo9").Integrity);
        Assert.Equal("", options.Single(d => d.Name == "foo10").Version);

        var example = Lockfile.Read(parser, "python", "requirements", "example.txt").Dependencies;
        Assert.Equal("0.6.1", example.Single(d => d.Name == "docopt").Version);
        Assert.Equal("", example.Single(d => d.Name == "keyring").Version);
        Assert.Equal(new DependencySource(SourceKind.Tarball, "https://github.com/urllib3/urllib3/archive/refs/tags/1.26.8.zip"), example.Single(d => d.Name == "urllib3").Source);
    }

    [Fact]
    public void Requirements_follow_r_includes_once_even_in_a_loop()
    {
        var parse = Lockfile.Read(new RequirementsTxtParser(), "python", "requirements", "loop.txt");

        Assert.Empty(parse.Problems);
        Assert.Equal(parse.Dependencies.Count, parse.Dependencies.Select(d => d.Name).Distinct().Count());
    }

    [Fact]
    public void Requirements_index_url_is_the_source_of_what_follows()
    {
        var parse = new RequirementsTxtParser().Parse("requirements.txt", "--index-url https://pypi.internal.example/simple\nflask==3.0.0\n");

        Assert.Equal(new DependencySource(SourceKind.Registry, "https://pypi.internal.example/simple"), Assert.Single(parse.Dependencies).Source);
    }
}
