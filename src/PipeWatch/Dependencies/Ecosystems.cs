namespace PipeWatch.Dependencies;

/// <summary>Ecosystem names as OSV spells them (<c>affected[].package.ecosystem</c>); advisories are keyed by these.</summary>
internal static class Ecosystems
{
    public const string Npm = "npm";
    public const string NuGet = "NuGet";
    public const string PyPI = "PyPI";
    public const string Go = "Go";
    public const string CratesIo = "crates.io";
    public const string RubyGems = "RubyGems";
    public const string Packagist = "Packagist";
    public const string Maven = "Maven";
    public const string GitHubActions = "GitHub Actions";
    public const string Debian = "Debian";
    public const string Alpine = "Alpine";
    public const string Ubuntu = "Ubuntu";
    public const string RockyLinux = "Rocky Linux";
    public const string AlmaLinux = "AlmaLinux";
    public const string RedHat = "Red Hat";
    public const string Wolfi = "Wolfi";
    public const string Chainguard = "Chainguard";

    /// <summary>Container images (not an OSV ecosystem: images are matched by their own name and tag, when advisories name them).</summary>
    public const string Docker = "Docker";

    /// <summary>Jenkins plugins by their short id; their advisories are in OSV's Maven ecosystem under Jenkins group ids.</summary>
    public const string JenkinsPlugin = "Jenkins plugin";

    /// <summary>A GitLab instance itself (<c>gitlab-ce</c>, <c>gitlab-ee</c>), as its API states its version; no public OSV ecosystem carries GitLab's own advisories.</summary>
    public const string GitLab = "GitLab";

    /// <summary>The OSV ecosystem part before a ':' suffix ("Debian:12" → "Debian").</summary>
    public static string Base(string ecosystem)
    {
        var colon = ecosystem.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? ecosystem : ecosystem[..colon];
    }

    /// <summary>True for a distribution's ecosystem, whose advisories are per release (<c>Debian:12</c>): an entry applies only to a package of that release.</summary>
    public static bool IsDistribution(string ecosystem) =>
        Base(ecosystem) is Debian or Ubuntu or Alpine or RockyLinux or AlmaLinux or RedHat;

    /// <summary>
    /// True when an advisory's <c>affected[]</c> entry for <paramref name="affected"/> applies to a package of <paramref name="package"/>:
    /// any entry outside distributions; within one, the same release, or a longer spelling of it (<c>Ubuntu:22.04</c> and
    /// <c>Ubuntu:22.04:LTS</c>, <c>Red Hat:enterprise_linux:9</c> and <c>Red Hat:enterprise_linux:9::appstream</c>).
    /// </summary>
    public static bool SameRelease(string package, string affected) =>
        !IsDistribution(package)
        || string.Equals(package, affected, StringComparison.Ordinal)
        || (affected.Length > package.Length && affected[package.Length] == ':' && affected.StartsWith(package, StringComparison.Ordinal) && package.Contains(':', StringComparison.Ordinal));

    /// <summary>True for the components a CI/CD system is made of (actions, images, CI plugins): their advisories are CI-infrastructure findings.</summary>
    public static bool IsCiInfrastructure(string ecosystem) =>
        ecosystem is GitHubActions or Docker or JenkinsPlugin or GitLab;
}
