using System.Text.Json;
using PipeWatch.Diagnostics;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>NuGet <c>packages.lock.json</c>: per target framework, each package with its type (Direct, Transitive, CentralTransitive, Project), resolved version and content hash.</summary>
internal sealed class NuGetPackagesLockParser : ILockfileParser
{
    public string Format => "nuget-packages-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) == "packages.lock.json";

    public LockfileParse Parse(string path, string text)
    {
        using var document = JsonLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        if (document.RootElement.Object("dependencies") is not { } frameworks) return LockfileParse.Failed(path, "no 'dependencies' object: not a NuGet packages.lock.json");
        var lines = new LineIndex(text);
        var found = new Dictionary<string, Dependency>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<Problem>();
        foreach (var framework in frameworks.EnumerateObject())
        {
            if (framework.Value.ValueKind != JsonValueKind.Object) continue;
            foreach (var package in framework.Value.EnumerateObject())
            {
                var line = lines.Next($"\"{package.Name}\": {{");
                var type = package.Value.String("type");
                if (type == "Project") continue;
                var version = package.Value.String("resolved");
                if (version is null)
                {
                    problems.Add(new Problem(path, $"package '{package.Name}' has no resolved version", line));
                    continue;
                }

                // The same package in several frameworks is one dependency; direct in any makes it direct.
                var dependency = new Dependency(Ecosystems.NuGet, package.Name, version, type == "Direct", new DependencySource(SourceKind.Registry), package.Value.String("contentHash"), line)
                {
                    Requires = [.. package.Value.Keys("dependencies")],
                };
                var key = package.Name + "/" + version;
                if (!found.TryGetValue(key, out var seen) || (!seen.Direct && dependency.Direct)) found[key] = seen is null ? dependency : seen with { Direct = true };
            }
        }

        return new LockfileParse([.. found.Values], problems);
    }
}
