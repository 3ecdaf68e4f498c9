using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>npm <c>package-lock.json</c> and <c>npm-shrinkwrap.json</c>, lockfile versions 1 (nested <c>dependencies</c>), 2 and 3 (<c>packages</c>).</summary>
internal sealed class NpmPackageLockParser : ILockfileParser
{
    public string Format => "npm-package-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) is "package-lock.json" or "npm-shrinkwrap.json";

    public LockfileParse Parse(string path, string text)
    {
        using var document = JsonLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        var root = document.RootElement;
        var lines = new LineIndex(text);
        // v2 carries both sections; "packages" is the complete one.
        return root.Object("packages") is { } packages ? FromPackages(packages, lines) : FromDependencies(root, lines);
    }

    private static LockfileParse FromPackages(JsonElement packages, LineIndex lines)
    {
        var direct = new HashSet<string>(StringComparer.Ordinal);
        if (packages.Object("") is { } project)
        {
            foreach (var section in (string[])["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"])
                direct.UnionWith(project.Keys(section));
        }

        var found = new List<Dependency>();
        foreach (var entry in packages.EnumerateObject())
        {
            var line = lines.Next($"\"{entry.Name}\": {{");
            var at = entry.Name.LastIndexOf("node_modules/", StringComparison.Ordinal);
            // "" is the project itself; paths without node_modules/ are workspace folders; links point at those folders.
            if (at < 0 || entry.Value.ValueKind != JsonValueKind.Object || entry.Value.Bool("link")) continue;
            var folder = entry.Name[(at + "node_modules/".Length)..];
            var name = entry.Value.String("name") ?? folder;
            var version = entry.Value.String("version") ?? "";
            var topLevel = entry.Name.IndexOf("node_modules/", StringComparison.Ordinal) == at && at == 0;
            found.Add(new Dependency(
                Ecosystems.Npm,
                name,
                version,
                topLevel && direct.Contains(folder),
                SourceText.FromResolved(entry.Value.String("resolved")),
                entry.Value.String("integrity"),
                line)
            {
                Requires = [.. entry.Value.Keys("dependencies"), .. entry.Value.Keys("optionalDependencies")],
                Dev = entry.Value.Bool("dev") || entry.Value.Bool("devOptional"),
            });
        }

        return LockfileParse.Of(found);
    }

    private static LockfileParse FromDependencies(JsonElement root, LineIndex lines)
    {
        var found = new List<Dependency>();
        var top = root.Object("dependencies");
        if (top is null) return LockfileParse.Of(found);
        // Version 1 does not list the project's own requirements: a top-level entry nothing else requires is taken as direct.
        var required = new HashSet<string>(StringComparer.Ordinal);
        Walk(top.Value, e => required.UnionWith(e.Keys("requires")));
        Add(top.Value, true);
        return LockfileParse.Of(found);

        void Add(JsonElement dependencies, bool topLevel)
        {
            foreach (var entry in dependencies.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Object) continue;
                var line = lines.Next($"\"{entry.Name}\": {{");
                var version = entry.Value.String("version") ?? "";
                var name = entry.Name;
                // An alias ("npm:real-name@1.2.3") installs another package under this folder name.
                if (version.StartsWith("npm:", StringComparison.Ordinal) && version.LastIndexOf('@') is var at and > 4)
                {
                    name = version[4..at];
                    version = version[(at + 1)..];
                }

                var resolved = entry.Value.String("resolved");
                var source = SourceText.FromResolved(resolved ?? (version.Contains(':', StringComparison.Ordinal) ? version : null));
                if (source.Kind == SourceKind.Git && version.Contains('#', StringComparison.Ordinal)) version = version[(version.LastIndexOf('#') + 1)..];
                if (source.Kind == SourceKind.Path && version.StartsWith("file:", StringComparison.Ordinal)) version = "";
                found.Add(new Dependency(Ecosystems.Npm, name, version, topLevel && !required.Contains(entry.Name), source, entry.Value.String("integrity"), line)
                {
                    Requires = [.. entry.Value.Keys("requires")],
                    Dev = entry.Value.Bool("dev"),
                });
                if (entry.Value.Object("dependencies") is { } nested) Add(nested, false);
            }
        }
    }

    private static void Walk(JsonElement dependencies, Action<JsonElement> visit)
    {
        foreach (var entry in dependencies.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object) continue;
            visit(entry.Value);
            if (entry.Value.Object("dependencies") is { } nested) Walk(nested, visit);
        }
    }
}
