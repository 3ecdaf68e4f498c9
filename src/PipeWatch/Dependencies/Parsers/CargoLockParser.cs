namespace PipeWatch.Dependencies.Parsers;

/// <summary>Rust <c>Cargo.lock</c>: each <c>[[package]]</c> with its source (<c>registry+…</c>, <c>git+…#commit</c>; none for the workspace's own crates) and checksum.</summary>
internal sealed class CargoLockParser : ILockfileParser
{
    public string Format => "cargo-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) == "Cargo.lock";

    public LockfileParse Parse(string path, string text) => Read(path, text, TomlLockfiles.Open(path, text, out var failure), failure);

    /// <summary>Exactly what <see cref="Parse(string, string)"/> gives, with each <c>[[package]]</c> block parsed once per text in <paramref name="memo"/>.</summary>
    public LockfileParse Parse(string path, string text, LockfileBlockMemo memo) => Read(path, text, TomlLockfiles.Open(path, text, memo, Format, out var failure), failure);

    private static LockfileParse Read(string path, string text, Tomlyn.Model.TomlTable? root, LockfileParse? failure)
    {
        if (root is null) return failure!;
        var lines = new LineIndex(text);
        var packages = TomlLockfiles.Packages(root).ToList();
        // Crates without a source are the workspace's own: what they depend on is direct.
        var local = packages.Where(p => p.String("source") is null).ToList();
        var direct = local.SelectMany(p => p.DependencyNames()).ToHashSet(StringComparer.Ordinal);
        var found = new List<Dependency>();
        foreach (var p in packages)
        {
            var name = p.String("name");
            var line = lines.Next("[[package]]");
            if (name is null || p.String("source") is not { } source) continue;
            var kind = source.StartsWith("git+", StringComparison.Ordinal) ? SourceKind.Git
                : source.StartsWith("registry+", StringComparison.Ordinal) || source.StartsWith("sparse+", StringComparison.Ordinal) ? SourceKind.Registry
                : SourceKind.Unknown;
            var location = source.Contains('+', StringComparison.Ordinal) ? source[(source.IndexOf('+', StringComparison.Ordinal) + 1)..] : source;
            found.Add(new Dependency(Ecosystems.CratesIo, name, p.String("version") ?? "", direct.Contains(name), new DependencySource(kind, location), p.String("checksum"), line)
            {
                Requires = p.DependencyNames(),
            });
        }

        return LockfileParse.Of(found);
    }
}
