using System.Text.Json;
using PipeWatch.Dependencies.Parsers;

namespace PipeWatch.Dependencies.Images;

/// <summary>Language packages left in an image: npm's <c>node_modules/**/package.json</c>, Python's <c>*.dist-info/METADATA</c> (and <c>*.egg-info/PKG-INFO</c>), .NET's <c>*.deps.json</c>.</summary>
internal static class LanguagePackages
{
    private static readonly DepsJsonParser DepsJson = new();

    /// <summary>True for <c>…/node_modules/NAME/package.json</c> or <c>…/node_modules/@SCOPE/NAME/package.json</c> (not a package's own inner package.json files).</summary>
    public static bool IsNpmPackage(string path)
    {
        if (!path.EndsWith("/package.json", StringComparison.Ordinal)) return false;
        var dir = path[..^"/package.json".Length];
        var slash = dir.LastIndexOf('/');
        if (slash < 0) return false;
        var parent = dir[..slash];
        if (parent.EndsWith("node_modules", StringComparison.Ordinal) && (parent.Length == 12 || parent[^13] == '/')) return true;
        var scope = parent.LastIndexOf('/');
        return scope >= 0 && parent[(scope + 1)..].StartsWith('@') && parent[..scope].EndsWith("node_modules", StringComparison.Ordinal);
    }

    public static bool IsPythonMetadata(string path) =>
        (path.EndsWith("/METADATA", StringComparison.Ordinal) && path.AsSpan(0, path.Length - 9).EndsWith(".dist-info", StringComparison.Ordinal))
        || (path.EndsWith("/PKG-INFO", StringComparison.Ordinal) && path.AsSpan(0, path.Length - 9).EndsWith(".egg-info", StringComparison.Ordinal));

    public static bool IsDepsJson(string path) => path.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>An npm package's <c>name</c> and <c>version</c>; null when the file has neither (or is not JSON).</summary>
    public static InstalledPackage? Npm(byte[] content, ICollection<string> problems)
    {
        try
        {
            using var document = JsonDocument.Parse(content, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version) ? null : new InstalledPackage(name, version);
        }
        catch (JsonException ex)
        {
            problems.Add($"not JSON ({ex.Message.Split('.')[0]})");
            return null;
        }
    }

    /// <summary>A Python distribution's <c>Name</c> and <c>Version</c> from its core metadata headers (before the first blank line).</summary>
    public static InstalledPackage? Python(string text)
    {
        string? name = null, version = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) break;
            if (line.StartsWith("Name:", StringComparison.OrdinalIgnoreCase)) name ??= line[5..].Trim();
            else if (line.StartsWith("Version:", StringComparison.OrdinalIgnoreCase)) version ??= line[8..].Trim();
            if (name is not null && version is not null) break;
        }

        return string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version) ? null : new InstalledPackage(name, version);
    }

    /// <summary>The NuGet packages a .NET application's <c>deps.json</c> lists.</summary>
    public static IReadOnlyList<InstalledPackage> DotNet(string path, string text, ICollection<string> problems)
    {
        var parse = DepsJson.Parse(path, text);
        foreach (var problem in parse.Problems) problems.Add(problem.Reason);
        return [.. parse.Dependencies.Select(d => new InstalledPackage(d.Name, d.Version))];
    }
}
