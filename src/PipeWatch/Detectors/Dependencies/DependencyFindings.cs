using PipeWatch.Dependencies;
using PipeWatch.Dependencies.Advisories;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>Where a dependency finding was seen: a commit of a scanned history (<c>scan</c>), or a dependency file as it is now (<c>ingest</c>).</summary>
/// <param name="Repository">The repository, empty when the file is in none.</param>
/// <param name="Path">The dependency file, relative to the repository's root when in one.</param>
/// <param name="Commit">The commit, null for a file read as it is now.</param>
/// <param name="Author">The commit's author, name and address.</param>
/// <param name="Scope">What the fingerprint keys on instead of <paramref name="Path"/>, when findings from many files are one (a runner named by every job log); null for the path.</param>
internal sealed record FindingSite(string Repository, string Path, string? Commit, GitIdentity? Author, DateTimeOffset Timestamp, DateTimeOffset DetectedAt, string? Scope = null)
{
    /// <summary>The site of a commit's file; a plain folder's or the staged changes' pseudo-commit is no commit: the file as it is now.</summary>
    public static FindingSite Of(GitCommit commit, CommitContext context, string path) => commit.Sha == GitHistorySource.StagedSha
        ? new(context.Repository, path, null, null, commit.Committer.When, context.Detection.Now)
        : new(context.Repository, path, commit.Sha, commit.Author, commit.Committer.When, context.Detection.Now);

    /// <summary>The site of an <see cref="EventKind.Dependencies"/> event (its file), or of a job log (the log, one finding per repository and runner).</summary>
    public static FindingSite Of(Event e, DetectionContext context) => e.Dependencies is { } file
        ? new(e.Ci.Repository, file.Path, null, null, e.Timestamp, context.Now)
        : new(e.Ci.Repository, e.Origin.File, null, null, e.Timestamp, context.Now, Scope: "runner");

    /// <summary>"Commit 1a2b3c4d5e6f by Dana brings WHAT into PATH", or "PATH pins WHAT" for a file read as it is now.</summary>
    public string Brings(string what) =>
        Commit is null ? $"{Path} {(Scope is null ? "pins" : "was run by")} {what}" : $"Commit {Commit[..Math.Min(12, Commit.Length)]} by {Author!.Name} brings {what} into {Path}";
}

/// <summary>Builds the findings of the dependency detectors: the commit and its author (when there is one), the file and line of the package entry.</summary>
internal static class DependencyFindings
{
    /// <summary>ATT&amp;CK: Supply Chain Compromise — Compromise Software Dependencies and Development Tools.</summary>
    public const string SupplyChain = "T1195.001";

    public static Finding For(
        DetectorInfo info,
        FindingSite site,
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
            Entity = new Entity(Repository: site.Repository.Length == 0 ? null : site.Repository, Actor: site.Author?.Name),
            Location = new Location(File: site.Path, Line: dependency.Line, Commit: site.Commit),
            Evidence =
            [
                Evidence.Of("ecosystem", dependency.Ecosystem),
                Evidence.Of("package", dependency.Name),
                Evidence.Of("version", dependency.Version),
                Evidence.Of("direct", dependency.Direct ? "true" : "false"),
                .. site.Author is { } author ? [Evidence.Of("author", $"{author.Name} <{author.Email}>")] : Array.Empty<Evidence>(),
                .. dependency.Installed is { } installed ? Installed(installed) : [],
                .. evidence,
            ],
            Techniques = [SupplyChain],
            Timestamp = site.Timestamp,
            DetectedAt = site.DetectedAt,
            Fingerprint = Fingerprint.Of(info.Id, [site.Repository, site.Scope ?? site.Path, dependency.Ecosystem, dependency.Name, dependency.Version, .. identity, .. dependency.Installed is { } i ? [i.Package] : Array.Empty<string>()]),
        };

    /// <summary>The evidence of a package installed in an image: the binary package, the layer (and whether the base image has it), the file it was read from.</summary>
    private static Evidence[] Installed(InstalledFrom installed) =>
    [
        Evidence.Of("installed_package", installed.Package),
        Evidence.Of("layer", installed.Layer),
        .. installed.FromBase is { } fromBase ? [Evidence.Of("layer_origin", fromBase ? "base image" : "build")] : Array.Empty<Evidence>(),
        Evidence.Of("installed_from", installed.Path),
    ];

    /// <summary>A vulnerability finding: advisory id, CVEs, severity and CVSS, the fix and the path from a direct dependency.</summary>
    public static Finding Vulnerable(DetectorInfo info, FindingSite site, VulnerabilityMatch match)
    {
        var d = match.Dependency;
        var a = match.Advisory;
        var cves = string.Join(", ", a.Cves);
        var fix = match.FixedIn is { } f ? $"fixed in {f}" : "no fixed version published";
        var via = site.Scope is not null ? "" : match.Path.Count > 1 ? $" It comes in through {string.Join(" → ", match.Path)}." : d.Direct ? " It is a direct dependency." : "";
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
        // A package in an image may be advised under its source package (Debian, Alpine): the title names both.
        var what = d.Installed is { } installed && installed.Package != d.Name ? $"{installed.Package} (source {d.Name}@{d.Version})" : $"{d.Name}@{d.Version}";
        var brings = d.Installed is { } at
            ? $"{site.Path} has {d.Ecosystem} package {at.Package} installed ({at.Path}, layer {at.Layer}{(at.FromBase is { } b ? b ? ", base image" : ", added by the build" : "")})"
            : site.Brings(site.Scope is null ? $"{d.Ecosystem} package {d.Name} {d.Version}" : $"runner {d.Name} {d.Version}");
        return For(
            info,
            site,
            d,
            a.Severity,
            $"{what} is affected by {a.Id}{(cves.Length > 0 ? $" ({cves})" : "")}",
            brings
                + $"; advisory {a.Id} ({a.Severity.ToWire()}{cvss}) covers it: {a.Summary.TrimEnd('.')}; {fix}.{via}",
            evidence,
            a.Id);
    }
}
