using PipeWatch.Dependencies.Advisories;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Advisories;

/// <summary>OSV range evaluation on real records and on the hard cases of each ecosystem's version rules.</summary>
public sealed class AffectedVersionsTests
{
    private static bool Affected(Advisory advisory, string version) => advisory.Affected.Any(a => AffectedVersions.Contains(a, version, out _));

    private static AffectedPackage Range(string ecosystem, params (RangeEventKind Kind, string Version)[] events) =>
        new(ecosystem, "p", [new AffectedRange("ECOSYSTEM", [.. events.Select(e => new RangeEvent(e.Kind, e.Version))])], []);

    private static bool In(AffectedPackage package, string version) => AffectedVersions.Contains(package, version, out _);

    [Theory]
    [InlineData("1.3.1", true)]
    [InlineData("1.3.2", false)]
    [InlineData("1.9.0", false)]
    [InlineData("2.0.0", true)]
    [InlineData("2.0.1", false)]
    [InlineData("0.1.0", true)]
    public void Unsorted_events_of_two_ranges_are_sorted_before_walking(string version, bool affected) =>
        Assert.Equal(affected, Affected(OsvFiles.Corpus("ghsa", "equals_with_patch.osv.json"), version)); // mixin-deep: <1.3.2, [2.0.0, 2.0.1)

    [Theory]
    [InlineData("2.1.1-0", true)]
    [InlineData("2.1.1-beta.1", true)]
    [InlineData("2.1.0", false)]
    [InlineData("3.0.0-rc.1", true)]
    [InlineData("3.0.0", false)]
    public void Npm_pre_releases_sit_below_their_release(string version, bool affected) =>
        Assert.Equal(affected, Affected(OsvFiles.Corpus("ghsa", "npm_greater_than.osv.json"), version)); // jquery: [2.1.1-0, 3.0.0)

    [Theory]
    [InlineData("1.0.2p-r0", true)]
    [InlineData("1.0.2p-r9", true)]
    [InlineData("1.0.2q_rc1-r0", true)]
    [InlineData("1.0.2q-r0", false)]
    [InlineData("1.0.2q-r1", false)]
    [InlineData("1.0.2r-r0", false)]
    public void Alpine_packages_follow_apk_order_letters_suffixes_and_revisions(string version, bool affected) =>
        Assert.Equal(affected, Affected(OsvFiles.Corpus("osv-linter", "CVE-2018-5407.json"), version)); // openssl: fixed in 1.0.2q-r0

    [Theory]
    [InlineData("1.21.11", true)]
    [InlineData("1.21.12", false)]
    [InlineData("1.22.0-rc.1", true)]
    [InlineData("1.22.4", true)]
    [InlineData("1.22.5", false)]
    public void Go_ranges_with_a_pre_release_introduced(string version, bool affected) =>
        Assert.Equal(affected, Affected(OsvFiles.Corpus("osv-linter", "GO-2024-2963.json"), version));

    [Theory]
    [InlineData("12.10.1", true)]
    [InlineData("12.10.2", false)]
    [InlineData("12.7", false)]
    [InlineData("12.6.6", true)]
    [InlineData("11.10.12", true)]
    [InlineData("11.6", false)]
    [InlineData("12.10.2-rc-1", true)]
    public void Maven_ranges_with_qualifiers(string version, bool affected) =>
        Assert.Equal(affected, Affected(OsvFiles.Corpus("ghsa", "maven_greater_than.osv.json"), version)); // xwiki: [12.10.0,12.10.2) [12.0,12.6.7) [11.6.1,11.10.13)

    [Fact]
    public void Maven_snapshot_and_milestone_sort_before_the_release()
    {
        var package = Range("Maven", (RangeEventKind.Introduced, "0"), (RangeEventKind.Fixed, "2.0"));

        Assert.True(In(package, "2.0-SNAPSHOT"));
        Assert.True(In(package, "2.0-M1"));
        Assert.True(In(package, "2.0.RC2"));
        Assert.False(In(package, "2.0.GA"));
        Assert.False(In(package, "2.0-sp1"));
    }

    [Fact]
    public void Last_affected_includes_that_version_and_fixed_excludes_it()
    {
        var last = Range("npm", (RangeEventKind.Introduced, "0"), (RangeEventKind.LastAffected, "1.2.3"));
        var fixedAt = Range("npm", (RangeEventKind.Introduced, "0"), (RangeEventKind.Fixed, "1.2.3"));

        Assert.True(In(last, "1.2.3"));
        Assert.False(In(last, "1.2.4-0"));
        Assert.False(In(fixedAt, "1.2.3"));
        Assert.True(In(fixedAt, "1.2.3-rc.1"));
    }

    [Fact]
    public void A_limit_ends_the_range_even_without_a_fix()
    {
        var package = Range("npm", (RangeEventKind.Introduced, "1.0.0"), (RangeEventKind.Limit, "2.0.0"));

        Assert.True(In(package, "1.9.9"));
        Assert.False(In(package, "2.0.0"));
        Assert.False(In(package, "0.9.0"));
    }

    [Fact]
    public void Pep_440_epochs_local_versions_and_dev_releases()
    {
        var package = Range("PyPI", (RangeEventKind.Introduced, "0"), (RangeEventKind.Fixed, "2.6.1"));

        Assert.True(In(package, "2.6.0+ubuntu1"));
        Assert.True(In(package, "2.6.1.dev0"));
        Assert.True(In(package, "2.6.1rc1"));
        Assert.False(In(package, "2.6.1"));
        Assert.False(In(package, "2.6.1.post1"));
        Assert.False(In(package, "1!1.0")); // epoch 1 is above every epoch-0 version
        Assert.False(In(package, "v2.6.1"));
    }

    [Fact]
    public void Zero_major_versions_order_by_minor_and_patch()
    {
        var package = Range("crates.io", (RangeEventKind.Introduced, "0.2.0"), (RangeEventKind.Fixed, "0.2.5"));

        Assert.True(In(package, "0.2.4"));
        Assert.False(In(package, "0.3.0"));
        Assert.False(In(package, "0.1.99"));
        Assert.False(In(package, "0.10.0"));
    }

    [Fact]
    public void Nuget_versions_compare_case_insensitively_with_four_parts()
    {
        var package = Range("NuGet", (RangeEventKind.Introduced, "0"), (RangeEventKind.Fixed, "13.0.1"));

        Assert.True(In(package, "13.0.0.9"));
        Assert.True(In(package, "13.0.1-BETA1"));
        Assert.False(In(package, "13.0.1.0"));
    }

    [Fact]
    public void An_explicit_versions_list_matches_only_those_versions()
    {
        var advisory = OsvFiles.Corpus("osv-linter", "MAL-2024-10238.json");
        var listed = Assert.Single(advisory.Affected).Versions[0];

        Assert.True(Affected(advisory, listed));
        Assert.False(Affected(advisory, listed + ".1"));
    }

    [Fact]
    public void The_first_fix_above_the_version_is_reported()
    {
        var advisory = OsvFiles.Corpus("ghsa", "multiple_ranges_in_package.osv.json"); // passenger: <3.0.21, [4.0.1, 4.0.5)

        Assert.True(AffectedVersions.Contains(advisory.Affected[0], "4.0.2", out var fix));
        Assert.Equal("4.0.5", fix);
        Assert.True(AffectedVersions.Contains(advisory.Affected[0], "2.2.15", out fix));
        Assert.Equal("3.0.21", fix);
    }
}
