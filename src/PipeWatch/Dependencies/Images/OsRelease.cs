using System.Globalization;

namespace PipeWatch.Dependencies.Images;

/// <summary>The distribution an image is built on, from <c>os-release</c>: its <c>ID</c>, <c>VERSION_ID</c>, and the OSV ecosystem its packages' advisories use.</summary>
/// <param name="Id">The lower-case <c>ID</c> (<c>debian</c>, <c>ubuntu</c>, <c>alpine</c>, <c>rocky</c>, <c>almalinux</c>, <c>rhel</c>…).</param>
/// <param name="VersionId">The <c>VERSION_ID</c>, empty when the file has none (Debian testing).</param>
/// <param name="PrettyName">The <c>PRETTY_NAME</c>, for messages.</param>
internal sealed record OsRelease(string Id, string VersionId, string PrettyName, bool Lts)
{
    /// <summary>The OSV ecosystem with its release (<c>Debian:12</c>, <c>Ubuntu:22.04:LTS</c>, <c>Alpine:v3.19</c>, <c>Rocky Linux:9</c>, <c>AlmaLinux:9</c>, <c>Red Hat:enterprise_linux:9</c>); the bare ecosystem when the release is unknown; null for a distribution OSV does not cover.</summary>
    public string? Ecosystem => Id switch
    {
        "debian" => WithRelease(Ecosystems.Debian, Major),
        "ubuntu" => VersionId.Length == 0 ? Ecosystems.Ubuntu : $"{Ecosystems.Ubuntu}:{VersionId}{(Lts ? ":LTS" : "")}",
        "alpine" => WithRelease(Ecosystems.Alpine, MajorMinor is { Length: > 0 } v ? "v" + v : ""),
        "rocky" => WithRelease(Ecosystems.RockyLinux, Major),
        "almalinux" => WithRelease(Ecosystems.AlmaLinux, Major),
        "rhel" => WithRelease(Ecosystems.RedHat, Major.Length == 0 ? "" : "enterprise_linux:" + Major),
        "wolfi" => Ecosystems.Wolfi,
        "chainguard" => Ecosystems.Chainguard,
        _ => null,
    };

    private string Major => VersionId.Split('.')[0];

    private string MajorMinor => string.Join('.', VersionId.Split('.').Take(2));

    private static string WithRelease(string ecosystem, string release) => release.Length == 0 ? ecosystem : ecosystem + ":" + release;

    /// <summary>Reads an <c>os-release</c> file (shell-style <c>KEY=value</c> lines, values optionally quoted); null without an <c>ID</c>.</summary>
    public static OsRelease? Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || eq <= 0) continue;
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] is '"' or '\'') && value[^1] == value[0]) value = value[1..^1];
            values[line[..eq]] = value.Replace("\\\"", "\"", StringComparison.Ordinal);
        }

        if (!values.TryGetValue("ID", out var id) || id.Length == 0) return null;
        var version = values.GetValueOrDefault("VERSION_ID") ?? "";
        var full = values.GetValueOrDefault("VERSION") ?? "";
        return new OsRelease(
            id.ToLower(CultureInfo.InvariantCulture),
            version,
            values.GetValueOrDefault("PRETTY_NAME") ?? $"{id} {version}".Trim(),
            full.Contains("LTS", StringComparison.Ordinal));
    }
}
