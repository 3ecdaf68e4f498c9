using System.Text.RegularExpressions;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>The spelling under which a package name is looked up, per ecosystem's own equivalence (PyPI per PEP 503, NuGet and GitHub case-insensitively).</summary>
internal static partial class PackageNames
{
    public static string Normalize(string ecosystem, string name) => Ecosystems.Base(ecosystem) switch
    {
        Ecosystems.PyPI => Separators().Replace(name.Trim().ToLowerInvariant(), "-"),
        Ecosystems.NuGet or Ecosystems.GitHubActions or Ecosystems.Packagist or Ecosystems.Docker => name.Trim().ToLowerInvariant(),
        _ => name.Trim(),
    };

    [GeneratedRegex("[-_.]+")]
    private static partial Regex Separators();
}
