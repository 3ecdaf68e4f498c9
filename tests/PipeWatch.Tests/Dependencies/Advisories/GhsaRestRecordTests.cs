using System.Text.Json;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Findings;
using PipeWatch.Tests.Support;
using Xunit;

namespace PipeWatch.Tests.Dependencies.Advisories;

/// <summary>Advisories in the shape of GitHub's REST API (what <c>gh api /advisories</c> saves, and the <c>security_advisory</c> of a Dependabot alert).</summary>
public sealed class GhsaRestRecordTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The advisory of a real <c>dependabot_alert</c> webhook (semver ReDoS, CVE-2022-25883), as the REST API gives it.</summary>
    private static JsonElement SemverAdvisory()
    {
        using var payload = JsonDocument.Parse(File.ReadAllText(Corpus.File("github-webhooks", "dependabot_alert", "created.payload.json")));
        return payload.RootElement.GetProperty("alert").GetProperty("security_advisory").Clone();
    }

    [Fact]
    public void The_advisory_of_a_real_dependabot_alert_reads_with_its_ids_rating_and_range()
    {
        var advisory = OsvRecord.Read(SemverAdvisory(), out var reason);

        Assert.Null(reason);
        Assert.NotNull(advisory);
        Assert.Equal(("GHSA-c2qf-rxjj-qqgw", Severity.Medium, 5.3), (advisory.Id, advisory.Severity, advisory.CvssScore));
        Assert.Equal(["CVE-2022-25883"], advisory.Aliases);
        Assert.Equal("semver vulnerable to Regular Expression Denial of Service", advisory.Summary);
        var semver = Assert.Single(advisory.Affected);
        Assert.Equal(("npm", "semver"), (semver.Ecosystem, semver.Name));
        Assert.True(AffectedVersions.Contains(semver, "7.5.1", out _));
        Assert.True(AffectedVersions.Contains(semver, "5.7.1", out _));
        Assert.False(AffectedVersions.Contains(semver, "7.5.2", out _));
        Assert.False(advisory.Withdrawn);
    }

    [Theory]
    [InlineData(">= 2.0.0, < 2.3.1", null, "introduced 2.0.0, fixed 2.3.1")]
    [InlineData("<= 1.4", null, "introduced 0, last_affected 1.4")]
    [InlineData("< 7.5.2", "7.5.2", "introduced 0, fixed 7.5.2")]
    [InlineData(">= 4.0.0", "4.2.1", "introduced 4.0.0, fixed 4.2.1")]
    [InlineData(">= 4.0.0", null, "introduced 4.0.0")]
    [InlineData("= 1.0.0", null, "exactly 1.0.0")]
    public void Version_ranges_become_osv_events(string range, string? patched, string expected)
    {
        var (events, exact) = GhsaRestRecord.Range(range, patched)!.Value;

        Assert.Equal(expected, exact is not null
            ? $"exactly {exact}"
            : string.Join(", ", events.Select(e => $"{(e.Kind == RangeEventKind.LastAffected ? "last_affected" : e.Kind.ToString().ToLowerInvariant())} {e.Version}")));
    }

    [Fact]
    public void A_range_it_cannot_read_or_only_unknown_ecosystems_are_refused_with_a_reason()
    {
        var bad = Parse("""{"ghsa_id":"GHSA-xxxx-yyyy-zzzz","vulnerabilities":[{"package":{"ecosystem":"npm","name":"p"},"vulnerable_version_range":"~> 1.2"}]}""");
        var other = Parse("""{"ghsa_id":"GHSA-xxxx-yyyy-zzzz","vulnerabilities":[{"package":{"ecosystem":"cobol","name":"p"},"vulnerable_version_range":"< 2"}]}""");

        Assert.Null(OsvRecord.Read(bad, out var badReason));
        Assert.Equal("GHSA-xxxx-yyyy-zzzz: cannot read the version range '~> 1.2' of p", badReason);
        Assert.Null(OsvRecord.Read(other, out var otherReason));
        Assert.Equal("GHSA-xxxx-yyyy-zzzz: no package in an ecosystem PipeWatch matches (cobol)", otherReason);
    }

    [Fact]
    public async Task A_list_saved_from_the_rest_api_imports_and_the_scan_matches_it()
    {
        // What 'gh api /advisories?ecosystem=npm' saves: a JSON array of advisories.
        File.WriteAllText(_temp.File("advisories.json"), $"[{SemverAdvisory().GetRawText()}]");
        var cli = new CliRunner(_temp.Path);

        var imported = await cli.RunAsync("vulndb", "import", "advisories.json", "--db", "advisories.db");
        using var repo = new TestRepository();
        repo.Write("package-lock.json", """
            {"name":"app","lockfileVersion":3,"requires":true,"packages":{"":{"name":"app","dependencies":{"semver":"^7.5.1"}},
            "node_modules/semver":{"version":"7.5.1","resolved":"https://registry.npmjs.org/semver/-/semver-7.5.1.tgz","integrity":"sha512-AAAA"}}}
            """).Commit("add semver");
        var scan = await cli.RunAsync("scan", repo.Path, "--vulndb", "advisories.db", "--format", "json");

        Assert.Equal(0, imported.ExitCode);
        Assert.StartsWith("imported 1 advisory (0 withdrawn removed)", imported.ErrorLines.Last(), StringComparison.Ordinal);
        var finding = Assert.Single(scan.OutputLines.Select(l => JsonDocument.Parse(l).RootElement), f => f.GetProperty("category").GetString() == "dependency.known-vulnerability");
        Assert.Equal("semver@7.5.1 is affected by GHSA-c2qf-rxjj-qqgw (CVE-2022-25883)", finding.GetProperty("title").GetString());
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
