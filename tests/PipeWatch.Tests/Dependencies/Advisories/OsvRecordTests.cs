using PipeWatch.Dependencies.Advisories;
using PipeWatch.Findings;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Advisories;

public sealed class OsvRecordTests
{
    [Fact]
    public void Reads_id_aliases_packages_ranges_and_rating()
    {
        var advisory = OsvFiles.Fixture("GHSA-p6mc-m468-83gw");

        Assert.Equal("GHSA-p6mc-m468-83gw", advisory.Id);
        Assert.Equal(["CVE-2020-8203"], advisory.Cves);
        Assert.Equal(Severity.High, advisory.Severity);
        Assert.Equal("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", advisory.Cvss);
        Assert.Equal(7.4, advisory.CvssScore);
        Assert.Equal(["lodash", "lodash-es"], advisory.Affected.Select(a => a.Name));
        Assert.False(advisory.Withdrawn);
    }

    [Fact]
    public void A_withdrawn_record_is_marked_so()
    {
        Assert.True(OsvFiles.Corpus("ghsa", "withdrawn.osv.json").Withdrawn);
    }

    [Fact]
    public void Git_ranges_are_dropped_and_ecosystem_ranges_kept()
    {
        var advisory = OsvFiles.Corpus("osv-linter", "PYSEC-2023-74.json");

        var requests = Assert.Single(advisory.Affected);
        Assert.Equal("ECOSYSTEM", Assert.Single(requests.Ranges).Type);
        Assert.Equal(66, requests.Versions.Count);
    }

    [Fact]
    public void A_record_without_an_id_is_refused_with_a_reason()
    {
        using var document = System.Text.Json.JsonDocument.Parse("""{"summary":"x"}""");

        Assert.Null(OsvRecord.Read(document.RootElement, out var reason));
        Assert.Equal("not an OSV record (no 'id')", reason);
    }

    [Theory]
    [InlineData("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", 7.4)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:H/I:H/A:N", 7.3)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", 8.6)]
    [InlineData("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N", 0.0)]
    public void Cvss_base_scores_follow_the_specification(string vector, double score) => Assert.Equal(score, Cvss.BaseScore(vector));
}
