using System.Text.Json;
using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>.NET <c>*.deps.json</c>: the <c>libraries</c> an application was built with; those the project entry names are direct.</summary>
internal sealed class DepsJsonParser : ILockfileParser
{
    public string Format => "dotnet-deps-json";

    public bool Recognizes(string path) => SourceText.FileName(path).EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase);

    public LockfileParse Parse(string path, string text)
    {
        using var document = JsonLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        var root = document.RootElement;
        var direct = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var requires = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        var libraries = root.Object("libraries");
        if (root.Object("targets") is { } targets)
        {
            foreach (var target in targets.EnumerateObject().Where(t => t.Value.ValueKind == JsonValueKind.Object))
            {
                foreach (var entry in target.Value.EnumerateObject())
                {
                    var keys = entry.Value.Keys("dependencies").ToArray();
                    requires[entry.Name] = keys;
                    if (libraries?.Object(entry.Name)?.String("type") == "project") direct.UnionWith(keys);
                }
            }
        }

        var found = new List<Dependency>();
        var problems = new List<Problem>();
        if (libraries is null) return LockfileParse.Of(found);
        var lines = new LineIndex(text);
        lines.Next("\"libraries\"");
        foreach (var library in libraries.Value.EnumerateObject())
        {
            var line = lines.Next($"\"{library.Name}\": {{");
            if (library.Value.String("type") != "package") continue;
            var slash = library.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == library.Name.Length - 1)
            {
                problems.Add(new Problem(path, $"library '{library.Name}' is not 'name/version'", line));
                continue;
            }

            var name = library.Name[..slash];
            var sha = library.Value.String("sha512");
            found.Add(new Dependency(Ecosystems.NuGet, name, library.Name[(slash + 1)..], direct.Contains(name), new DependencySource(SourceKind.Registry), string.IsNullOrEmpty(sha) ? null : sha, line)
            {
                Requires = requires.GetValueOrDefault(library.Name) ?? [],
            });
        }

        return new LockfileParse(found, problems);
    }
}
