using PipeWatch.Dependencies;
using PipeWatch.Events;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>A package a commit resolves from outside the registry allowlist: another host, a git repository, a plain tarball, <c>http://</c>, or a changed integrity hash for the same version.</summary>
/// <remarks>For an ingested file as it is now (<c>ingest</c>), every package is judged; a changed hash needs the file's history (<c>scan</c>).</remarks>
internal sealed class UntrustedSourceDetector : ICommitDetector, IDetector, ICommitPreparer
{
    private readonly LockfileCache _files;
    private readonly UntrustedSourceOptions _options;

    public UntrustedSourceDetector(LockfileCache files, UntrustedSourceOptions options)
    {
        _files = files;
        _options = options;
    }

    public DetectorInfo Info { get; } = new(
        Categories.UntrustedSource,
        Categories.UntrustedSource,
        [EventKind.Dependencies],
        "A dependency resolved from outside the registry allowlist, from git, a tarball or http://, or whose integrity hash changed");

    /// <summary>Parses the commit's dependency files on a preparation worker (see <see cref="LockfileCache.Prepare"/>).</summary>
    public object? Prepare(GitCommit commit, IReadOnlyList<bool> firstSightings, bool learnOnly, IBlobReader blobs) => _files.Prepare(commit, blobs);

    public void Inspect(GitCommit commit, CommitContext context)
    {
        if (context.LearnOnly) return;
        foreach (var change in DependencyChanges.Of(commit, context, _files))
        {
            var site = FindingSite.Of(commit, context, change.Path);
            // An untouched entry has one before with its key, source and hash: only the touched ones can be judged.
            foreach (var d in Distinct(change.Touched))
            {
                var previous = change.Previous(d);
                // Only what this commit changed: a new version, a new source, or a new hash for the same version.
                if (previous is not null && previous.Source == d.Source && !IntegrityHashes.Changed(previous.Integrity, d.Integrity)) continue;
                if (Judged(site, d, previous) is { } finding) context.Report(finding);
            }
        }
    }

    public void Inspect(Event e, DetectionContext context)
    {
        if (e.Dependencies is not { } file) return;
        var site = FindingSite.Of(e, context);
        foreach (var d in Distinct(file.Packages))
        {
            if (Judged(site, d, null) is { } finding) context.Report(finding);
        }
    }

    // Each entry once by key, source and hash, in order (the first of each): a set of the entries, not of tuple keys (see SameEntryComparer).
    private static IEnumerable<Dependency> Distinct(IReadOnlyList<Dependency> entries)
    {
        var seen = new HashSet<Dependency>(entries.Count, SameEntryComparer.Instance);
        foreach (var d in entries)
        {
            if (seen.Add(d)) yield return d;
        }
    }

    /// <summary>The finding for a package's source (and its hash against <paramref name="previous"/>, the same version before), or null when it is trusted.</summary>
    private Finding? Judged(FindingSite site, Dependency d, Dependency? previous)
    {
        if (Ecosystems.IsCiInfrastructure(d.Ecosystem)) return null;
        var (severity, reasons) = Judge(d, previous);
        if (reasons.Count == 0) return null;
        var location = Redacted(d.Source.Location);
        return DependencyFindings.For(
            Info,
            site,
            d,
            severity,
            $"{(d.Version.Length > 0 ? $"{d.Name}@{d.Version}" : d.Name)} is resolved from an untrusted source",
            site.Brings($"{d.Ecosystem} package {d.Name} {d.Version}")
                + $", resolved from {d.Source.Kind.ToString().ToLowerInvariant()} {location ?? "(no location)"}: {string.Join("; ", reasons)}.",
            [
                Evidence.Of("source", d.Source.Kind.ToString().ToLowerInvariant()),
                .. location is null ? Array.Empty<Evidence>() : [Evidence.Of("resolved", location)],
                .. IntegrityHashes.Replaced(previous?.Integrity, d.Integrity) is var (old, now) ? [Evidence.Of("integrity_before", old), Evidence.Of("integrity_after", now)] : Array.Empty<Evidence>(),
            ],
            d.Source.Location,
            d.Integrity);
    }

    private (Severity, List<string>) Judge(Dependency d, Dependency? previous)
    {
        var reasons = new List<string>();
        var severity = Severity.Medium;
        if (IntegrityHashes.Replaced(previous?.Integrity, d.Integrity) is var (old, now))
        {
            reasons.Add($"its integrity hash changed for the same version ({Short(old)} → {Short(now)}): the published content differs from what was locked before");
            severity = Severity.High;
        }

        var location = d.Source.Location;
        if (d.Source.Kind == SourceKind.Git && !_options.AllowGit) reasons.Add("it is fetched from a git repository, not a registry");
        if (d.Source.Kind == SourceKind.Tarball) reasons.Add("it is a tarball URL outside any registry's layout");
        if (location is not null && location.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            // npm of 2017-2018 wrote http:// registry URLs into lockfiles; an integrity hash beside one still pins the content
            // (tampering in transit would need a second preimage, which even SHA-1 resists).
            var pinned = d.Integrity is { Length: > 0 };
            reasons.Add(pinned ? "it is fetched over plain http://, though the lockfile pins its content with an integrity hash the package manager checks" : "it is fetched over plain http://");
            severity = pinned && severity < Severity.High ? Severity.Low : Severity.High;
        }

        if (Host(location) is { } host && !Allowed(host, location!) && d.Source.Kind != SourceKind.Git)
        {
            reasons.Add($"host {host} is not on the registry allowlist");
            if (d.Source.Kind == SourceKind.Tarball) severity = Severity.High;
        }

        return (severity, reasons);
    }

    /// <summary>A host entry matches the host or a subdomain; an entry with a path (<c>github.com/rust-lang/crates.io-index</c>) matches that host and path prefix only.</summary>
    private bool Allowed(string host, string location) =>
        _options.Registries.Any(r => r.Contains('/', StringComparison.Ordinal)
            ? location.Split("://", 2)[^1].StartsWith(r, StringComparison.OrdinalIgnoreCase)
            : host.Equals(r, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + r, StringComparison.OrdinalIgnoreCase));

    private static string? Host(string? location) =>
        location is not null && Uri.TryCreate(location.Split('#')[0], UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.Host : null;

    /// <summary>The location without credentials embedded in it (<c>https://token@host</c>).</summary>
    private static string? Redacted(string? location)
    {
        if (location is null) return null;
        var scheme = location.IndexOf("://", StringComparison.Ordinal);
        var at = location.IndexOf('@', StringComparison.Ordinal);
        var slash = scheme < 0 ? -1 : location.IndexOf('/', scheme + 3);
        return scheme >= 0 && at > scheme && (slash < 0 || at < slash) ? location[..(scheme + 3)] + "***" + location[at..] : location;
    }

    private static string Short(string hash) => hash.Length > 20 ? hash[..20] + "…" : hash;
}
