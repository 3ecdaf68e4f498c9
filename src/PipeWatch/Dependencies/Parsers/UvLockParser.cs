namespace PipeWatch.Dependencies.Parsers;

/// <summary>Python <c>uv.lock</c>: each <c>[[package]]</c> with its <c>source</c> (registry, git, url, path; the project itself is <c>virtual</c> or <c>editable</c>).</summary>
internal sealed class UvLockParser : ILockfileParser
{
    public string Format => "uv-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) == "uv.lock";

    public LockfileParse Parse(string path, string text) => Read(path, text, TomlLockfiles.Open(path, text, out var failure), failure);

    /// <summary>Exactly what <see cref="Parse(string, string)"/> gives, with each <c>[[package]]</c> block parsed once per text in <paramref name="memo"/>.</summary>
    public LockfileParse Parse(string path, string text, LockfileBlockMemo memo) => Read(path, text, TomlLockfiles.Open(path, text, memo, Format, out var failure), failure);

    private static LockfileParse Read(string path, string text, Tomlyn.Model.TomlTable? root, LockfileParse? failure)
    {
        if (root is null) return failure!;
        var lines = new LineIndex(text);
        var packages = TomlLockfiles.Packages(root).Select(p => (Package: p, Line: lines.Next("[[package]]"))).ToList();
        bool IsProject(Tomlyn.Model.TomlTable p) => p.Table("source") is { } s && (s.ContainsKey("virtual") || s.ContainsKey("editable"));
        var direct = packages.Where(p => IsProject(p.Package)).SelectMany(p => p.Package.DependencyNames()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var found = new List<Dependency>();
        foreach (var (p, line) in packages)
        {
            if (p.String("name") is not { } name || IsProject(p)) continue;
            var s = p.Table("source");
            var source = s?.String("registry") is { } registry ? new DependencySource(SourceKind.Registry, registry)
                : s?.String("git") is { } git ? new DependencySource(SourceKind.Git, git)
                : s?.String("url") is { } url ? new DependencySource(SourceKind.Tarball, url)
                : s?.String("path") is { } local ? new DependencySource(SourceKind.Path, local)
                : DependencySource.Unknown;
            var hash = p.Table("sdist")?.String("hash");
            found.Add(new Dependency(Ecosystems.PyPI, name, p.String("version") ?? "", direct.Contains(name), source, hash, line) { Requires = p.DependencyNames() });
        }

        return LockfileParse.Of(found);
    }
}
