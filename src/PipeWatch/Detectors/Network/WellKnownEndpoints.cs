using System.Net;

namespace PipeWatch.Detectors.Network;

/// <summary>
/// Hosts every CI job may reach without it being news: the platforms' own hosts and the public package registries (docs/detectors.md
/// lists them). Domain suffixes, plus GitHub's published web, API and git address ranges (api.github.com/meta) for jobs that connect
/// by address without a DNS answer the agent saw.
/// </summary>
internal static class WellKnownEndpoints
{
    /// <summary>Domains (and their subdomains) allowed.</summary>
    public static IReadOnlyList<string> Domains { get; } =
    [
        "github.com", "githubusercontent.com", "githubassets.com", "ghcr.io", "actions.githubusercontent.com", "pkg.github.com",
        "blob.core.windows.net",
        "gitlab.com", "registry.gitlab.com",
        "registry.npmjs.org", "registry.yarnpkg.com", "npmjs.com",
        "pypi.org", "files.pythonhosted.org",
        "nuget.org", "api.nuget.org", "dotnetcli.azureedge.net", "builds.dotnet.microsoft.com",
        "repo.maven.apache.org", "repo1.maven.org", "plugins.gradle.org", "services.gradle.org",
        "proxy.golang.org", "sum.golang.org", "index.crates.io", "static.crates.io", "crates.io",
        "rubygems.org", "packagist.org", "repo.packagist.org",
        "registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com", "docker.io",
        "deb.debian.org", "security.debian.org", "archive.ubuntu.com", "security.ubuntu.com", "azure.archive.ubuntu.com",
    ];

    /// <summary>Address ranges allowed: GitHub's web, api and git ranges as published in its meta API.</summary>
    public static IReadOnlyList<IPNetwork> Networks { get; } =
    [
        IPNetwork.Parse("192.30.252.0/22"),
        IPNetwork.Parse("185.199.108.0/22"),
        IPNetwork.Parse("140.82.112.0/20"),
        IPNetwork.Parse("143.55.64.0/20"),
    ];

    /// <summary>True when <paramref name="domain"/> is one of <see cref="Domains"/> or under one.</summary>
    public static bool IsWellKnownDomain(string domain) => Domains.Any(d => Matches(domain, d));

    /// <summary>True when <paramref name="ip"/> is in one of <see cref="Networks"/>.</summary>
    public static bool IsWellKnownAddress(string ip) => IPAddress.TryParse(ip, out var address) && Networks.Any(n => n.Contains(address));

    /// <summary>True when <paramref name="domain"/> is <paramref name="suffix"/> or a subdomain of it.</summary>
    public static bool Matches(string domain, string suffix) =>
        domain.Equals(suffix, StringComparison.OrdinalIgnoreCase)
        || (domain.Length > suffix.Length && domain.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && domain[^(suffix.Length + 1)] == '.');
}
