using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Pipenv <c>Pipfile.lock</c>: the <c>default</c> and <c>develop</c> packages with their pinned version, hashes, and git or file sources.</summary>
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
                    : new DependencySource(SourceKind.Registry, p.Value.String("index"));
                var hash = p.Value.TryGetProperty("hashes", out var hashes) && hashes.ValueKind == JsonValueKind.Array && hashes.GetArrayLength() > 0 ? hashes[0].GetString() : null;
                found.Add(new Dependency(Ecosystems.PyPI, p.Name, version?.StartsWith("==", StringComparison.Ordinal) == true ? version[2..] : "", false, source, hash, line)
                {
                    Dev = group == "develop",
                });
            }
        }

        return LockfileParse.Of(found);
    }
}
