namespace PipeWatch.Dependencies.Parsers;

/// <summary>pnpm <c>pnpm-lock.yaml</c> (lockfile versions 5, 6 and 9): the <c>packages</c> keys (<c>/name/version</c>, <c>/name@version</c>, <c>name@version</c>, peer suffixes dropped), their <c>resolution</c>, and the importers' direct dependencies.</summary>
/// <remarks>
/// A package's own dependencies (<c>dependencies</c> and <c>optionalDependencies</c>, such as esbuild's platform binaries) are
/// listed under its <c>packages</c> entry up to version 6 and under <c>snapshots</c> (one per peer set) from version 9.
/// </remarks>
internal sealed class PnpmLockParser : ILockfileParser
{
    public string Format => "pnpm-lock";

    public bool Recognizes(string path) => SourceText.FileName(path) is "pnpm-lock.yaml" or "shrinkwrap.yaml";

    public LockfileParse Parse(string path, string text)
    {
        var root = YamlLockfiles.Open(path, text, out var failure);
        if (root is null) return failure!;
        var slashKeys = double.TryParse(root.Child("lockfileVersion").Scalar(), System.Globalization.CultureInfo.InvariantCulture, out var v) && v < 6;
        var direct = new HashSet<string>(StringComparer.Ordinal);
        var importers = root.Child("importers").Entries().Select(e => e.Value).Append(root).ToList();
        foreach (var importer in importers)
        {
            foreach (var group in (string[])["dependencies", "devDependencies", "optionalDependencies"])
            {
                foreach (var (name, _) in importer.Child(group).Entries()) direct.Add(name.Scalar() ?? "");
            }
        }

        // Version 9 keeps each package's dependencies in its snapshots ("name@1.0.0(peer@2)"), apart from its resolution.
        var snapshotRequires = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (keyNode, entry) in root.Child("snapshots").Entries())
        {
            var key = keyNode.Scalar() ?? "";
            var peer = key.IndexOf('(', StringComparison.Ordinal);
            if (peer > 0) key = key[..peer];
            if (!snapshotRequires.TryGetValue(key, out var list)) snapshotRequires[key] = list = [];
            list.AddRange(Requirements(entry));
        }

        var found = new List<Dependency>();
        foreach (var (keyNode, entry) in root.Child("packages").Entries())
        {
            var key = keyNode.Scalar() ?? "";
            var (name, version) = Split(key.TrimStart('/'), slashKeys);
            name = entry.Child("name").Scalar() ?? name;
            version = entry.Child("version").Scalar() ?? version;
            if (name.Length == 0) continue;
            var resolution = entry.Child("resolution");
            var source = resolution?.Child("tarball").Scalar() is { } tarball ? SourceText.FromResolved(tarball) is { Kind: SourceKind.Unknown } ? new DependencySource(SourceKind.Tarball, tarball) : SourceText.FromResolved(tarball)
                : resolution?.Child("repo").Scalar() is { } repo ? new DependencySource(SourceKind.Git, $"{repo}#{resolution.Child("commit").Scalar()}")
                : resolution?.Child("directory").Scalar() is { } folder ? new DependencySource(SourceKind.Path, folder)
                : new DependencySource(SourceKind.Registry);
            if (source.Location?.StartsWith("https://codeload.github.com/", StringComparison.Ordinal) == true) source = source with { Kind = SourceKind.Git };
            found.Add(new Dependency(Ecosystems.Npm, name, version, direct.Contains(name), source, resolution?.Child("integrity").Scalar(), keyNode.Line())
            {
                Dev = entry.Child("dev").Scalar() == "true",
                Requires = snapshotRequires.TryGetValue(StripPeers(key), out var fromSnapshots)
                    ? [.. Requirements(entry).Concat(fromSnapshots).Distinct(StringComparer.Ordinal)]
                    : [.. Requirements(entry)],
            });
        }

        return LockfileParse.Of(found);
    }

    private static IEnumerable<string> Requirements(YamlDotNet.RepresentationModel.YamlNode entry) =>
        entry.Child("dependencies").Entries().Concat(entry.Child("optionalDependencies").Entries()).Select(e => e.Key.Scalar() ?? "").Where(n => n.Length > 0);

    private static string StripPeers(string key) => key.IndexOf('(', StringComparison.Ordinal) is var peer and > 0 ? key[..peer] : key;

    /// <summary>Name and version of a key without its leading slash: "name@1.0.0(peer@2)" (v6+) or "name/1.0.0_peer@2" (v5).</summary>
    private static (string Name, string Version) Split(string key, bool slashKeys)
    {
        var peer = key.IndexOf('(', StringComparison.Ordinal);
        if (peer > 0) key = key[..peer];
        if (slashKeys)
        {
            var slash = key.LastIndexOf('/');
            if (slash <= 0) return ("", "");
            var version = key[(slash + 1)..];
            var underscore = version.IndexOf('_', StringComparison.Ordinal);
            return (key[..slash], underscore > 0 ? version[..underscore] : version);
        }

        var at = key.IndexOf('@', 1);
        return at < 0 ? ("", "") : (key[..at], key[(at + 1)..]);
    }
}
