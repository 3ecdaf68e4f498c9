using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>Pipfile.lock and composer.lock on the corpus files.</summary>
public sealed class JsonLockfileParserTests
{
    [Theory]
    [InlineData("empty.json", 0)]
    [InlineData("minified.json", 1)]
    [InlineData("multiple-packages.json", 5)]
    [InlineData("no-version.json", 2)]
    [InlineData("one-package-dev.json", 1)]
    [InlineData("two-packages.json", 2)]
    public void Pipfile_counts_default_and_develop_packages(string file, int count) =>
        Assert.Equal(count, Lockfile.Packages(new PipfileLockParser(), "python", "pipfilelock", file).Count);

    [Fact]
    public void Pipfile_reads_pinned_version_hash_and_develop_group()
    {
        var package = Assert.Single(Lockfile.Packages(new PipfileLockParser(), "python", "pipfilelock", "one-package-dev.json"));

        Assert.True(package.Dev);
        Assert.DoesNotContain("==", package.Version, StringComparison.Ordinal);
        Assert.StartsWith("sha256:", package.Integrity, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("drupal-packages.json", 4)]
    [InlineData("duplicate-packages.json", 3)]
    [InlineData("empty.json", 0)]
    [InlineData("one-package-dev.json", 1)]
    [InlineData("two-packages.json", 2)]
    public void Composer_counts_packages_and_dev_packages(string file, int count) =>
        Assert.Equal(count, Lockfile.Packages(new ComposerLockParser(), "php", "composerlock", file).Count);

    [Fact]
    public void Composer_reads_version_dist_and_dev()
    {
        var package = Assert.Single(Lockfile.Packages(new ComposerLockParser(), "php", "composerlock", "one-package-dev.json"));

        Assert.Equal(Ecosystems.Packagist, package.Ecosystem);
        Assert.True(package.Dev);
        Assert.NotNull(package.Line);
    }

    [Theory]
    [InlineData("python", "pipfilelock", "not-json.txt")]
    [InlineData("python", "pipfilelock", "empty-file")]
    [InlineData("php", "composerlock", "not-json.txt")]
    public void Text_that_is_not_json_is_a_problem(string language, string format, string file) =>
        Assert.Single(Lockfile.Read(format == "composerlock" ? new ComposerLockParser() : new PipfileLockParser(), language, format, file).Problems);
}
