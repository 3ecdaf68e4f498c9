using System.Text.RegularExpressions;

namespace PipeWatch.Dependencies.Advisories;

/// <summary>The spelling under which a package name is looked up, per ecosystem's own equivalence (PyPI per PEP 503, NuGet and GitHub case-insensitively, Jenkins plugins by artifact id).</summary>
internal static partial class PackageNames
{
    /// <summary>The group Jenkins plugins are looked up under, whichever Jenkins group publishes them.</summary>
    public const string JenkinsPluginGroup = "org.jenkins-ci.plugins";

    public static string Normalize(string ecosystem, string name) => Ecosystems.Base(ecosystem) switch
    {
        Ecosystems.PyPI => Separators().Replace(name.Trim().ToLowerInvariant(), "-"),
        Ecosystems.NuGet or Ecosystems.GitHubActions or Ecosystems.Packagist or Ecosystems.Docker => name.Trim().ToLowerInvariant(),
        Ecosystems.Maven => Maven(name.Trim()),
        _ => name.Trim(),
    };

    /// <summary>
    /// A Maven package in a Jenkins group (one with a <c>jenkins</c>, <c>jenkins-ci</c>, <c>jenkinsci</c> or <c>hudson</c> segment:
    /// <c>io.jenkins.plugins</c>, <c>org.jenkins-ci.plugins.workflow</c>, <c>org.jenkinsci.plugins</c>, <c>org.jvnet.hudson.plugins</c>,
    /// <c>org.csanchez.jenkins.plugins</c>…) is looked up as <c>org.jenkins-ci.plugins:ARTIFACT</c>, except Jenkins core's own
    /// <c>org.jenkins-ci.main</c>.
    /// </summary>
    /// <remarks>
    /// A running Jenkins names its plugins by short name only (the update center's plugin id, which is the artifact id and unique
    /// across groups), while advisories name the Maven package; with one key for every Jenkins group, a plugin's advisories are
    /// found whichever group published them, and a Maven build that depends on the plugin finds the same ones.
    /// </remarks>
    private static string Maven(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == name.Length - 1) return name;
        var group = name.AsSpan(0, colon);
        if (group.SequenceEqual(JenkinsPluginGroup) || group.SequenceEqual("org.jenkins-ci.main") || !JenkinsGroup(group)) return name;
        return string.Concat(JenkinsPluginGroup, name.AsSpan(colon));
    }

    private static bool JenkinsGroup(ReadOnlySpan<char> group)
    {
        foreach (var range in group.Split('.'))
        {
            var segment = group[range];
            if (segment.SequenceEqual("jenkins") || segment.SequenceEqual("jenkins-ci") || segment.SequenceEqual("jenkinsci") || segment.SequenceEqual("hudson")) return true;
        }

        return false;
    }

    [GeneratedRegex("[-_.]+")]
    private static partial Regex Separators();
}
