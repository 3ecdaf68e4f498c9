using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Builds the findings of the dependency analyzers: the commit, its author, the file and line of the package entry.</summary>
internal static class DependencyFindings
{
    /// <summary>ATT&amp;CK: Supply Chain Compromise — Compromise Software Dependencies and Development Tools.</summary>
    public const string SupplyChain = "T1195.001";

    public static Finding For(
        DetectorInfo info,
        GitCommit commit,
        CommitContext context,
        string path,
        Dependency dependency,
        Severity severity,
        string title,
        string explanation,
        IReadOnlyList<Evidence> evidence,
        params ReadOnlySpan<string?> identity) => new()
        {
            Rule = info.Id,
            Category = info.Category,
            Severity = severity,
            Title = title,
            Explanation = explanation,
            Entity = new Entity(Repository: context.Repository, Actor: commit.Author.Name),
            Location = new Location(File: path, Line: dependency.Line, Commit: commit.Sha),
            Evidence =
            [
                Evidence.Of("ecosystem", dependency.Ecosystem),
                Evidence.Of("package", dependency.Name),
                Evidence.Of("version", dependency.Version),
                Evidence.Of("direct", dependency.Direct ? "true" : "false"),
                Evidence.Of("author", $"{commit.Author.Name} <{commit.Author.Email}>"),
                .. evidence,
            ],
            Techniques = [SupplyChain],
            Timestamp = commit.Committer.When,
            DetectedAt = context.Detection.Now,
            Fingerprint = Fingerprint.Of(info.Id, [context.Repository, path, dependency.Ecosystem, dependency.Name, dependency.Version, .. identity]),
        };

    /// <summary>A vulnerability finding: advisory id, CVEs, severity and CVSS, the fix and the path from a direct dependency.</summary>
    public static Finding Vulnerable(DetectorInfo info, GitCommit commit, CommitContext context, string path, VulnerabilityMatch match)
    {
        var d = match.Dependency;
        var a = match.Advisory;
        var cves = string.Join(", ", a.Cves);
        var fix = match.FixedIn is { } f ? $"fixed in {f}" : "no fixed version published";
        var via = match.Path.Count > 1 ? $" It comes in through {string.Join(" → ", match.Path)}." : d.Direct ? " It is a direct dependency." : "";
        var cvss = a.CvssScore is { } score ? $", CVSS {Cvss.Format(score)}" : "";
        List<Evidence> evidence =
        [
            Evidence.Of("advisory", a.Id),
            .. a.Aliases.Count > 0 ? [Evidence.Of("aliases", string.Join(", ", a.Aliases))] : Array.Empty<Evidence>(),
            .. a.Cvss is { } vector ? [Evidence.Of("cvss", vector)] : Array.Empty<Evidence>(),
            .. a.CvssScore is { } s ? [Evidence.Of("cvss_score", Cvss.Format(s))] : Array.Empty<Evidence>(),
            .. match.FixedIn is { } fixedIn ? [Evidence.Of("fixed_in", fixedIn)] : Array.Empty<Evidence>(),
            Evidence.Of("path", string.Join(" > ", match.Path)),
        ];
        return For(
            info,
            commit,
            context,
            path,
            d,
            a.Severity,
            $"{d.Name}@{d.Version} is affected by {a.Id}{(cves.Length > 0 ? $" ({cves})" : "")}",
            $"Commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} by {commit.Author.Name} brings {d.Ecosystem} package {d.Name} {d.Version} into {path}; "
                + $"advisory {a.Id} ({a.Severity.ToWire()}{cvss}) covers it: {a.Summary.TrimEnd('.')}; {fix}.{via}",
            evidence,
            a.Id);
    }
}
