using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Parsers;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Parsers;

/// <summary>Cargo.lock, poetry.lock and uv.lock on the corpus files.</summary>
public sealed class TomlLockfileParserTests
{
    [Theory]
    [InlineData("duplicate.lock", 2)]
    [InlineData("empty.lock", 0)]
    [InlineData("many-packages.lock", 6)]
    [InlineData("package-with-comments.lock", 2)]
    [InlineData("two-packages-with-local.lock", 1)]
    [InlineData("two-packages.lock", 2)]
    public void Cargo_counts_packages_with_a_source(string file, int count) =>
        Assert.Equal(count, Lockfile.Packages(new CargoLockParser(), "rust", "cargolock", file).Count);

    [Fact]
    public void Cargo_reads_registry_checksum_and_direct_from_the_local_crate()
    {
        var addr2line = Lockfile.Packages(new CargoLockParser(), "rust", "cargolock", "two-packages-with-local.lock").Single("addr2line", "0.15.2");

        Assert.Equal(new DependencySource(SourceKind.Registry, "https://github.com/rust-lang/crates.io-index"), addr2line.Source);
        Assert.Equal("e7a2e47a1fbe209ee101dd6d61285226744c6c8d3c21c8dc878ba6cb9f467f3a", addr2line.Integrity);
        Assert.Equal((Ecosystems.CratesIo, 5), (addr2line.Ecosystem, addr2line.Line));
        Assert.Equal(["gimli"], addr2line.Requires);
    }

    [Theory]
    [InlineData("empty.lock", 0)]
    [InlineData("multiple-packages.v2.lock", 11)]
    [InlineData("names-outside-package-block.lock", 2)]
    [InlineData("optional-package.lock", 1)]
    [InlineData("two-packages.lock", 2)]
    public void Poetry_counts_every_package(string file, int count) =>
        Assert.Equal(count, Lockfile.Packages(new PoetryLockParser(), "python", "poetrylock", file).Count);

    [Fact]
    public void Poetry_git_source_carries_the_resolved_commit()
    {
        var ike = Assert.Single(Lockfile.Packages(new PoetryLockParser(), "python", "poetrylock", "source-git.lock"));

        Assert.Equal(("ike", "0.2.0"), (ike.Name, ike.Version));
        Assert.Equal(new DependencySource(SourceKind.Git, "https://github.com/dzshn/ike#cd66602cd29f61a2d2e7fb995fef1e61708c034d"), ike.Source);
    }

    [Theory]
    [InlineData("grouped-packages.lock", 14)]
    [InlineData("no-packages.lock", 0)]
    [InlineData("no-dependencies.lock", 0)]
    [InlineData("two-packages.lock", 2)]
    public void Uv_counts_packages_but_the_project_itself(string file, int count) =>
        Assert.Equal(count, Lockfile.Packages(new UvLockParser(), "python", "uvlock", file).Count);

    [Fact]
    public void Uv_git_source_and_direct_from_the_project()
    {
        var ruff = Assert.Single(Lockfile.Packages(new UvLockParser(), "python", "uvlock", "source-git.lock"));

        Assert.Equal(new Dependency(Ecosystems.PyPI, "ruff", "0.8.1", true, new DependencySource(SourceKind.Git, "https://github.com/astral-sh/ruff#84748be16341b76e073d117329f7f5f4ee2941ad"), null, 4), ruff);
    }

    [Theory]
    [InlineData("rust", "cargolock", "not-toml.txt")]
    [InlineData("python", "poetrylock", "not-toml.txt")]
    [InlineData("python", "uvlock", "not-toml.txt")]
    public void Text_that_is_not_toml_is_a_problem(string language, string format, string file)
    {
        ILockfileParser parser = format switch { "cargolock" => new CargoLockParser(), "poetrylock" => new PoetryLockParser(), _ => new UvLockParser() };

        Assert.StartsWith("invalid TOML", Lockfile.Refused(parser, language, format, file).Reason, StringComparison.Ordinal);
    }
}
