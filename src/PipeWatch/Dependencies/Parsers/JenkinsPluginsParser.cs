using System.Text.Json;
using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Jenkins plugins: a <c>plugins.txt</c> (<c>id:version</c> per line, as the plugin installation manager reads it) or the JSON of <c>/pluginManager/api/json?depth=1</c>.</summary>
internal sealed class JenkinsPluginsParser : ILockfileParser
{
    public string Format => "jenkins-plugins";

    public bool Recognizes(string path)
    {
        var name = SourceText.FileName(path);
        return name.Equals("plugins.txt", StringComparison.OrdinalIgnoreCase) || name.Contains("pluginManager", StringComparison.OrdinalIgnoreCase)
            || name.Equals("jenkins-plugins.json", StringComparison.OrdinalIgnoreCase);
    }

    public LockfileParse Parse(string path, string text) =>
        text.TrimStart().StartsWith('{') ? FromJson(path, text) : FromText(path, text);

    private static LockfileParse FromJson(string path, string text)
    {
        using var document = JsonLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        if (!document.RootElement.TryGetProperty("plugins", out var plugins) || plugins.ValueKind != JsonValueKind.Array)
            return LockfileParse.Failed(path, "no 'plugins' array: not a /pluginManager/api/json answer");
        var lines = new LineIndex(text);
        var found = new List<Dependency>();
        foreach (var plugin in plugins.EnumerateArray())
        {
            if (plugin.String("shortName") is not { } id || plugin.String("version") is not { } version) continue;
            found.Add(new Dependency(Ecosystems.JenkinsPlugin, id, version, true, new DependencySource(SourceKind.Registry, plugin.String("url")), null, lines.Next($"\"{id}\"")));
        }

        return LockfileParse.Of(found);
    }

    private static LockfileParse FromText(string path, string text)
    {
        var found = new List<Dependency>();
        var problems = new List<Problem>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var parts = line.Split(':', 3);
            if (parts[0].Length == 0 || parts[0].Contains(' ', StringComparison.Ordinal))
            {
                problems.Add(new Problem(path, $"not 'plugin-id:version': '{line}'", number));
                continue;
            }

            // A third part is a download URL (plugin:version:url); "latest" or no version is not an exact version.
            var version = parts.Length > 1 && parts[1] != "latest" && parts[1] != "experimental" ? parts[1] : "";
            var source = parts.Length > 2 ? SourceText.FromResolved(parts[2]) : new DependencySource(SourceKind.Registry);
            found.Add(new Dependency(Ecosystems.JenkinsPlugin, parts[0], version, true, source, null, number));
        }

        return new LockfileParse(found, problems);
    }
}
