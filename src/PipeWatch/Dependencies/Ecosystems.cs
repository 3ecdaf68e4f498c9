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

    /// <summary>Container images (not an OSV ecosystem: images are matched by their own name and tag, when advisories name them).</summary>
    public const string Docker = "Docker";

    /// <summary>Jenkins plugins by their short id; their advisories are in OSV's Maven ecosystem under Jenkins group ids.</summary>
    public const string JenkinsPlugin = "Jenkins plugin";

    /// <summary>The OSV ecosystem part before a ':' suffix ("Debian:12" → "Debian").</summary>
    public static string Base(string ecosystem)
    {
        var colon = ecosystem.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? ecosystem : ecosystem[..colon];
    }

    /// <summary>True for the components a CI/CD system is made of (actions, images, CI plugins): their advisories are CI-infrastructure findings.</summary>
    public static bool IsCiInfrastructure(string ecosystem) =>
        ecosystem is GitHubActions or Docker or JenkinsPlugin;
}
