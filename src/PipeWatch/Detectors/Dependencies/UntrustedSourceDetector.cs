using PipeWatch.Dependencies;
using PipeWatch.Findings;
using PipeWatch.Sources.Git;

namespace PipeWatch.Detectors.Dependencies;

/// <summary>A package a commit resolves from outside the registry allowlist: another host, a git repository, a plain tarball, <c>http://</c>, or a changed integrity hash for the same version.</summary>
public sealed class UntrustedSourceDetector : ICommitAnalyzer
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
        [],
        "A dependency resolved from outside the registry allowlist, from git, a tarball or http://, or whose integrity hash changed");

    public void Analyze(GitCommit commit, CommitContext context)
    {
        if (context.LearnOnly) return;
        foreach (var change in DependencyChanges.Of(commit, context, _files))
        {
            foreach (var d in change.After.DistinctBy(d => (d.Key, d.Source.Location, d.Integrity)))
            {
                if (Ecosystems.IsCiInfrastructure(d.Ecosystem)) continue;
                var previous = change.Previous(d);
                // Only what this commit changed: a new version, a new source, or a new hash for the same version.
                if (previous is not null && previous.Source == d.Source && previous.Integrity == d.Integrity) continue;
                var (severity, reasons) = Judge(d, previous);
                if (reasons.Count == 0) continue;
                var location = Redacted(d.Source.Location);
                context.Report(DependencyFindings.For(
                    Info,
                    commit,
                    context,
                    change.Path,
                    d,
                    severity,
                    $"{d.Name}@{d.Version} is resolved from an untrusted source",
                    $"Commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} by {commit.Author.Name} resolves {d.Ecosystem} package {d.Name} {d.Version} in {change.Path} "
                        + $"from {d.Source.Kind.ToString().ToLowerInvariant()} {location ?? "(no location)"}: {string.Join("; ", reasons)}.",
                    [
                        Evidence.Of("source", d.Source.Kind.ToString().ToLowerInvariant()),
                        .. location is null ? Array.Empty<Evidence>() : [Evidence.Of("resolved", location)],
                        .. previous?.Integrity is { } old && d.Integrity is { } now && old != now ? [Evidence.Of("integrity_before", old), Evidence.Of("integrity_after", now)] : Array.Empty<Evidence>(),
                    ],
                    d.Source.Location,
                    d.Integrity));
            }
        }
    }

    private (Severity, List<string>) Judge(Dependency d, Dependency? previous)
    {
        var reasons = new List<string>();
        var severity = Severity.Medium;
        if (previous?.Integrity is { } old && d.Integrity is { } now && old != now)
        {
            reasons.Add($"its integrity hash changed for the same version ({Short(old)} → {Short(now)}): the published content differs from what was locked before");
            severity = Severity.High;
        }

        var location = d.Source.Location;
        if (d.Source.Kind == SourceKind.Git && !_options.AllowGit) reasons.Add("it is fetched from a git repository, not a registry");
        if (d.Source.Kind == SourceKind.Tarball) reasons.Add("it is a tarball URL outside any registry's layout");
        if (location is not null && location.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            reasons.Add("it is fetched over plain http://");
            severity = Severity.High;
        }

        if (Host(location) is { } host && !Allowed(host) && d.Source.Kind != SourceKind.Git)
        {
            reasons.Add($"host {host} is not on the registry allowlist");
            if (d.Source.Kind == SourceKind.Tarball) severity = Severity.High;
        }

        return (severity, reasons);
    }

    private bool Allowed(string host) =>
        _options.Registries.Any(r => host.Equals(r, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + r, StringComparison.OrdinalIgnoreCase));

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
