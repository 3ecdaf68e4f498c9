using PipeWatch.Alerting;
using PipeWatch.Findings;
using PipeWatch.Tests.Store.Sqlite;
using Xunit;

namespace PipeWatch.Tests.Alerting;

public sealed class AllowlistFilterTests
{
    private static Finding At(string? file, string category = Categories.HardcodedSecret) =>
        SqliteStoreTests.NewFinding("f1", category) with { Location = new Location(File: file) };

    [Theory]
    [InlineData("tests/**", "tests/PipeWatch.Tests/Fixtures/a.env", false)]
    [InlineData("tests/**", "src/tests.cs", true)]
    [InlineData("bench/secret-recall/files/", "bench/secret-recall/files/positive/app/.env", false)]
    [InlineData("bench/secret-recall/files/", "bench/secret-recall/other", true)]
    [InlineData("**/*.md", "README.md", false)]
    [InlineData("**/*.md", "bench/README.md", false)]
    [InlineData("*.md", "bench/README.md", true)]
    [InlineData("src/*/X?.cs", "src/a/XY.cs", false)]
    [InlineData("src/*/X?.cs", "src/a/b/XY.cs", true)]
    [InlineData("RULES/secrets/builtin.yml", "rules/secrets/builtin.yml", false)]
    public void A_path_glob_matches_the_findings_file(string glob, string file, bool emitted)
    {
        var filter = new AllowlistFilter([new AllowEntry("fixture", Path: glob)]);

        Assert.Equal(emitted, filter.ShouldEmit(At(file)));
    }

    [Fact]
    public void A_path_entry_does_not_match_a_finding_without_a_file_nor_another_category()
    {
        var filter = new AllowlistFilter([new AllowEntry("fixture", Category: Categories.HardcodedSecret, Path: "tests/**")]);

        Assert.True(filter.ShouldEmit(At(null)));
        Assert.True(filter.ShouldEmit(At("tests/a.cs", Categories.ObfuscatedCode)));
        Assert.False(filter.ShouldEmit(At("tests/a.cs")));
    }
}
