namespace PipeWatch.Dependencies.Parsers;

/// <summary>Python <c>poetry.lock</c>: each <c>[[package]]</c> with its <c>[package.source]</c> (git, url, directory, legacy index) and file hashes.</summary>
internal sealed class PoetryLockParser : ILockfileParser
{
    public string Format => "poetry-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) == "poetry.lock";

    public LockfileParse Parse(string path, string text) => Read(path, text, TomlLockfiles.Open(path, text, out var failure), failure);

    /// <summary>Exactly what <see cref="Parse(string, string)"/> gives, with each <c>[[package]]</c> block parsed once per text in <paramref name="memo"/>.</summary>
    public LockfileParse Parse(string path, string text, LockfileBlockMemo memo) => Read(path, text, TomlLockfiles.Open(path, text, memo, Format, out var failure), failure);

    private static LockfileParse Read(string path, string text, Tomlyn.Model.TomlTable? root, LockfileParse? failure)
    {
        if (root is null) return failure!;
        var lines = new LineIndex(text);
        var found = new List<Dependency>();
        foreach (var p in TomlLockfiles.Packages(root))
        {
            var line = lines.Next("[[package]]");
            if (p.String("name") is not { } name) continue;
            var source = p.Table("source") is { } s
                ? s.String("type") switch
                {
                    "git" => new DependencySource(SourceKind.Git, $"{s.String("url")}#{s.String("resolved_reference") ?? s.String("reference")}"),
                    "directory" or "file" => new DependencySource(SourceKind.Path, s.String("url")),
                    "url" => new DependencySource(SourceKind.Tarball, s.String("url")),
                    _ => new DependencySource(SourceKind.Registry, s.String("url")),
                }
                : new DependencySource(SourceKind.Registry);
            found.Add(new Dependency(Ecosystems.PyPI, name, p.String("version") ?? "", false, source, null, line)
            {
                Requires = p.DependencyNames(),
                Dev = p.String("category") == "dev",
            });
        }

        return LockfileParse.Of(found);
    }
}
