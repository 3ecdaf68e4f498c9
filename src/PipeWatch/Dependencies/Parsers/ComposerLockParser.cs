using System.Text.Json;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Composer <c>composer.lock</c>: <c>packages</c> and <c>packages-dev</c> with their version, <c>dist</c> URL and checksum, or <c>source</c> git reference.</summary>
internal sealed class ComposerLockParser : ILockfileParser
{
    public string Format => "composer-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) == "composer.lock";

    public LockfileParse Parse(string path, string text)
    {
        using var document = JsonLockfiles.Open(path, text, out var failure);
        if (document is null) return failure!;
        var lines = new LineIndex(text);
        var found = new List<Dependency>();
        foreach (var group in (string[])["packages", "packages-dev"])
        {
            if (!document.RootElement.TryGetProperty(group, out var packages) || packages.ValueKind != JsonValueKind.Array) continue;
            foreach (var p in packages.EnumerateArray())
            {
                if (p.String("name") is not { } name) continue;
                var line = lines.Next($"\"name\": \"{name}\"");
                var dist = p.Object("dist");
                var source = p.Object("source");
                var from = dist?.String("url") is { } url ? new DependencySource(SourceKind.Registry, url)
                    : source?.String("type") == "git" ? new DependencySource(SourceKind.Git, $"{source?.String("url")}#{source?.String("reference")}")
                    : source?.String("type") == "path" ? new DependencySource(SourceKind.Path, source?.String("url"))
                    : DependencySource.Unknown;
                var checksum = dist?.String("shasum");
                found.Add(new Dependency(Ecosystems.Packagist, name, p.String("version") ?? "", false, from, string.IsNullOrEmpty(checksum) ? null : checksum, line)
                {
                    Dev = group == "packages-dev",
                    Requires = [.. p.Keys("require").Where(r => r.Contains('/', StringComparison.Ordinal))],
                });
            }
        }

        return LockfileParse.Of(found);
    }
}
