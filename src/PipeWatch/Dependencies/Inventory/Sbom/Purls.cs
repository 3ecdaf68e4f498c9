namespace PipeWatch.Dependencies.Inventory.Sbom;

/// <summary>Package URLs (package-url/purl-spec) for inventory items, and back: how SBOMs name packages across tools.</summary>
internal static class Purls
{
    /// <summary>The purl of an item; null for an ecosystem purl has no type for.</summary>
    public static string? Of(InventoryItem item)
    {
        var version = "@" + Uri.EscapeDataString(item.Version);
        if (item.Version.Length == 0) version = "";
        var ecosystem = Ecosystems.Base(item.Ecosystem);
        var release = item.Ecosystem.Length > ecosystem.Length ? item.Ecosystem[(ecosystem.Length + 1)..] : null;
        return ecosystem switch
        {
            Ecosystems.Npm => "pkg:npm/" + Path(item.Name.Replace("@", "%40", StringComparison.Ordinal)) + version,
            Ecosystems.PyPI => "pkg:pypi/" + Segment(item.Name.ToLowerInvariant().Replace('_', '-')) + version,
            Ecosystems.NuGet => "pkg:nuget/" + Segment(item.Name) + version,
            Ecosystems.Maven => "pkg:maven/" + Path(item.Name.Replace(':', '/')) + version,
            Ecosystems.JenkinsPlugin => "pkg:maven/org.jenkins-ci.plugins/" + Segment(item.Name) + version,
            Ecosystems.Go => "pkg:golang/" + Path(item.Name) + version,
            Ecosystems.CratesIo => "pkg:cargo/" + Segment(item.Name) + version,
            Ecosystems.RubyGems => "pkg:gem/" + Segment(item.Name) + version,
            Ecosystems.Packagist => "pkg:composer/" + Path(item.Name) + version,
            Ecosystems.GitHubActions => "pkg:github/" + Path(item.Name) + version,
            Ecosystems.Docker => "pkg:docker/" + Path(item.Name) + version,
            Ecosystems.Debian => "pkg:deb/debian/" + Segment(item.Name) + version + (release is null ? "" : "?distro=debian-" + Uri.EscapeDataString(release)),
            "Ubuntu" => "pkg:deb/ubuntu/" + Segment(item.Name) + version + (release is null ? "" : "?distro=ubuntu-" + Uri.EscapeDataString(release)),
            Ecosystems.Alpine => "pkg:apk/alpine/" + Segment(item.Name) + version + (release is null ? "" : "?distro=" + Uri.EscapeDataString(release.TrimStart('v'))),
            _ => null,
        };
    }

    /// <summary>The ecosystem, name and version a purl names; null for a type PipeWatch has no ecosystem for, or no purl.</summary>
    public static (string Ecosystem, string Name, string Version)? Parse(string? purl)
    {
        if (purl is null || !purl.StartsWith("pkg:", StringComparison.Ordinal)) return null;
        var text = purl[4..];
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0) text = text[..hash];
        var qualifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        var question = text.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in text[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0) qualifiers[pair[..equals].ToLowerInvariant()] = Uri.UnescapeDataString(pair[(equals + 1)..]);
            }

            text = text[..question];
        }

        var at = text.LastIndexOf('@');
        var slashAfter = at >= 0 ? text.IndexOf('/', at) : -1;
        var version = at > 0 && slashAfter < 0 ? Uri.UnescapeDataString(text[(at + 1)..]) : "";
        if (at > 0 && slashAfter < 0) text = text[..at];
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return null;
        var type = text[..slash].ToLowerInvariant();
        var parts = text[(slash + 1)..].Split('/').Select(Uri.UnescapeDataString).ToArray();
        var name = string.Join("/", parts);
        var last = parts[^1];
        (string, string)? mapped = type switch
        {
            "npm" => (Ecosystems.Npm, name),
            "pypi" => (Ecosystems.PyPI, name),
            "nuget" => (Ecosystems.NuGet, name),
            "maven" when parts.Length >= 2 && parts[0] == "org.jenkins-ci.plugins" => (Ecosystems.JenkinsPlugin, last),
            "maven" when parts.Length >= 2 => (Ecosystems.Maven, string.Join("/", parts[..^1]).Replace('/', '.') + ":" + last),
            "golang" => (Ecosystems.Go, name),
            "cargo" => (Ecosystems.CratesIo, name),
            "gem" => (Ecosystems.RubyGems, name),
            "composer" => (Ecosystems.Packagist, name),
            "github" or "githubactions" => (Ecosystems.GitHubActions, name),
            "docker" or "oci" => (Ecosystems.Docker, name),
            "deb" when parts.Length >= 2 => (Distro(parts[0], qualifiers), last),
            "apk" when parts.Length >= 2 => (Distro(parts[0], qualifiers), last),
            "rpm" when parts.Length >= 2 => (Distro(parts[0], qualifiers), last),
            _ => null,
        };
        return mapped is { } m ? (m.Item1, m.Item2, version) : null;
    }

    /// <summary>The OSV ecosystem of an OS package, with its release when the purl's <c>distro</c> qualifier gives one (<c>Debian:12</c>, <c>Alpine:v3.19</c>).</summary>
    private static string Distro(string vendor, Dictionary<string, string> qualifiers)
    {
        var distro = qualifiers.GetValueOrDefault("distro") ?? "";
        // "debian-12", "debian-12.5", "ubuntu-22.04", "3.19.1" (Alpine), "alpine-3.19.1".
        var dash = distro.LastIndexOf('-');
        var release = dash >= 0 ? distro[(dash + 1)..] : distro;
        switch (vendor.ToLowerInvariant())
        {
            case "debian":
                return release.Length == 0 ? Ecosystems.Debian : $"{Ecosystems.Debian}:{release.Split('.')[0]}";
            case "ubuntu":
                return release.Length == 0 ? "Ubuntu" : $"Ubuntu:{release}";
            case "alpine":
                var numbers = release.Split('.');
                return numbers.Length >= 2 ? $"{Ecosystems.Alpine}:v{numbers[0]}.{numbers[1]}" : Ecosystems.Alpine;
            case "rocky":
                return "Rocky Linux";
            case "almalinux":
                return "AlmaLinux";
            default:
                return "Red Hat";
        }
    }

    private static string Segment(string text) => Uri.EscapeDataString(text);

    private static string Path(string name) => string.Join("/", name.Split('/').Select(p => p.StartsWith("%40", StringComparison.Ordinal) ? "%40" + Uri.EscapeDataString(p[3..]) : Uri.EscapeDataString(p)));
}
