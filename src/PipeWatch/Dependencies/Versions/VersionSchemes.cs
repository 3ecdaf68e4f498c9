namespace PipeWatch.Dependencies.Versions;

/// <summary>The version order of each ecosystem, by OSV ecosystem name; null where PipeWatch has none (then only explicit version lists match).</summary>
internal static class VersionSchemes
{
    public static IComparer<string>? For(string ecosystem) => Ecosystems.Base(ecosystem) switch
    {
        Ecosystems.Npm or Ecosystems.CratesIo or Ecosystems.Go or Ecosystems.GitHubActions or Ecosystems.Docker => SemverComparer.Instance,
        Ecosystems.NuGet => NuGetVersionComparer.Instance,
        Ecosystems.PyPI => Pep440Comparer.Instance,
        Ecosystems.Maven or Ecosystems.JenkinsPlugin => MavenComparer.Instance,
        Ecosystems.RubyGems => RubyGemsComparer.Instance,
        Ecosystems.Packagist => PackagistComparer.Instance,
        Ecosystems.Debian or Ecosystems.Ubuntu => DebianComparer.Instance,
        Ecosystems.Alpine or Ecosystems.Wolfi or Ecosystems.Chainguard => AlpineComparer.Instance,
        Ecosystems.RockyLinux or Ecosystems.AlmaLinux or Ecosystems.RedHat => RpmComparer.Instance,
        _ => null,
    };
}
