using PipeWatch.Dependencies.Advisories;
using PipeWatch.Dependencies.Inventory;
using PipeWatch.Findings;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>The <c>vulnerability.ci-infrastructure</c> finding of a component a CI server or runner runs, as its API stated it (the CI-server pollers).</summary>
internal static class CiServerFindings
{
    private static readonly DetectorInfo Info = new(
        Categories.CiInfrastructureVulnerability,
        Categories.CiInfrastructureVulnerability,
        [],
        "A component a CI server or runner runs, as its API states, is covered by an imported vulnerability advisory");

    /// <summary>"org.jenkins-ci.main:jenkins-core@2.452.3 on ci-server https://jenkins.example.com is affected by GHSA-… (CVE-…)", one per place, package version and advisory.</summary>
    /// <param name="url">The API answer the version was read from.</param>
    public static Finding Vulnerable(InventoryPlace place, InventoryItem item, VulnerabilityMatch match, string url, DateTimeOffset now)
    {
        var d = match.Dependency;
        var a = match.Advisory;
        var cves = string.Join(", ", a.Cves);
        var cvss = a.CvssScore is { } score ? $", CVSS {Cvss.Format(score)}" : "";
        var fix = match.FixedIn is { } f ? $"fixed in {f}" : "no fixed version published";
        var site = new FindingSite("", url, null, null, now, now, Scope: place.ToString());
        return DependencyFindings.For(
            Info,
            site,
            d,
            a.Severity,
            $"{d.Name}@{d.Version} on {place} is affected by {a.Id}{(cves.Length > 0 ? $" ({cves})" : "")}",
            $"{place} runs {d.Ecosystem} package {d.Name} {d.Version} (stated by {item.Path}); advisory {a.Id} ({a.Severity.ToWire()}{cvss}) covers it: {a.Summary.TrimEnd('.')}; {fix}.",
            [
                Evidence.Of("place", place.ToString()),
                Evidence.Of("advisory", a.Id),
                .. a.Aliases.Count > 0 ? [Evidence.Of("aliases", string.Join(", ", a.Aliases))] : Array.Empty<Evidence>(),
                .. a.Cvss is { } vector ? [Evidence.Of("cvss", vector)] : Array.Empty<Evidence>(),
                .. match.FixedIn is { } fixedIn ? [Evidence.Of("fixed_in", fixedIn)] : Array.Empty<Evidence>(),
            ],
            a.Id);
    }
}
