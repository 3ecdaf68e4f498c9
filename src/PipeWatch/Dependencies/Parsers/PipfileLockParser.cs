using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Pipenv <c>Pipfile.lock</c>: the <c>default</c> and <c>develop</c> packages with their pinned version, hashes, and git or file sources.</summary>
/// <remarks>
/// A package's <c>index</c> names one of <c>_meta.sources</c> (<c>"index": "pypi"</c>); its source is that source's URL, and a
/// package without one comes from the first source, pipenv's default. Its integrity is every hash the lock lists (one per file
/// of the release, in no stable order: pipenv has written the same set in different orders), sorted.
/// </remarks>
internal sealed class PipfileLockParser : ILockfileParser
{
    public string Format => "pipfile-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) == "Pipfile.lock";

    public LockfileParse Parse(string path, string text)
    {
        using var document = JsonLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        var lines = new LineIndex(text);
        var found = new List<Dependency>();
        var sources = Sources(document.RootElement);
        var first = sources.Count > 0 ? sources[0].Url : null;
        foreach (var group in (string[])["default", "develop"])
        {
            if (document.RootElement.Object(group) is not { } packages) continue;
            foreach (var p in packages.EnumerateObject())
            {
                var line = lines.Next($"\"{p.Name}\"");
                var version = p.Value.String("version");
                var source = p.Value.String("git") is { } git ? new DependencySource(SourceKind.Git, $"{git}#{p.Value.String("ref")}")
                    : p.Value.String("file") is { } file ? SourceText.FromResolved(file)
                    : p.Value.String("path") is { } local ? new DependencySource(SourceKind.Path, local)
                    : new DependencySource(SourceKind.Registry, p.Value.String("index") is { } index ? sources.FirstOrDefault(s => s.Name == index).Url ?? index : first);
                var hash = Hashes(p.Value);
                found.Add(new Dependency(Ecosystems.PyPI, p.Name, version?.StartsWith("==", StringComparison.Ordinal) == true ? version[2..] : "", false, source, hash, line)
                {
                    Dev = group == "develop",
                });
            }
        }

        return LockfileParse.Of(found);
    }

    // "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}]}; the 2017 format had no names.
    private static List<(string? Name, string? Url)> Sources(JsonElement root)
    {
        var sources = new List<(string?, string?)>();
        if (root.Object("_meta") is not { } meta || !meta.TryGetProperty("sources", out var list) || list.ValueKind != JsonValueKind.Array) return sources;
        foreach (var source in list.EnumerateArray())
        {
            if (source.ValueKind == JsonValueKind.Object) sources.Add((source.String("name"), source.String("url")));
        }

        return sources;
    }

    private static string? Hashes(JsonElement package)
    {
        if (package.ValueKind != JsonValueKind.Object || !package.TryGetProperty("hashes", out var hashes) || hashes.ValueKind != JsonValueKind.Array) return null;
        var all = hashes.EnumerateArray().Where(h => h.ValueKind == JsonValueKind.String).Select(h => h.GetString()!).Order(StringComparer.Ordinal).ToList();
        return all.Count == 0 ? null : string.Join(' ', all);
    }
}
