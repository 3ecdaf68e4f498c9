namespace PipeWatch.Dependencies.Images;

/// <summary>The package files of an image once its layers are applied in order: each file with the layer that wrote it, and the versions of the package databases layer by layer.</summary>
/// <remarks>
/// Applying a layer first hides what lower layers had under its opaque folders (<c>.wh..wh..opq</c>) and at its whiteouts
/// (<c>.wh.NAME</c>, the path and everything under it), then adds its own files, as overlay file systems do.
/// </remarks>
internal sealed class ImageFileSystem
{
    private readonly SortedSet<string> _paths = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(int Layer, LayerFile File)>> _versions = new(StringComparer.Ordinal);

    /// <summary>Applies the next layer (layers must come bottom first).</summary>
    public void Apply(int layer, LayerChanges changes)
    {
        foreach (var folder in changes.OpaqueFolders) RemoveUnder(folder, self: false);
        foreach (var path in changes.Whiteouts) RemoveUnder(path, self: true);
        foreach (var (path, file) in changes.Files)
        {
            _paths.Add(path);
            if (!_versions.TryGetValue(path, out var list)) _versions[path] = list = [];
            list.Add((layer, file));
        }
    }

    /// <summary>The files present in the finished image, in path order, each with the layer that last wrote it.</summary>
    public IEnumerable<(string Path, int Layer, LayerFile File)> Files =>
        _paths.Select(p => (p, _versions[p][^1].Layer, _versions[p][^1].File));

    /// <summary>The versions of a file present in the finished image, from the oldest one since it was last deleted.</summary>
    public IReadOnlyList<(int Layer, LayerFile File)> Versions(string path) => _versions.GetValueOrDefault(path) ?? [];

    /// <summary>The file at <paramref name="path"/> with a symbolic link followed (one hop, within the image's package files).</summary>
    public (string Path, int Layer, LayerFile File)? Resolve(string path)
    {
        if (!_versions.TryGetValue(path, out var list)) return null;
        var (layer, file) = list[^1];
        if (file.LinkTarget is not { } target) return (path, layer, file);
        var folder = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : "";
        var joined = target.StartsWith('/') ? target : (folder.Length == 0 ? target : folder + "/" + target);
        if (EntryPath.Normalize(ResolveDots(joined), ImageLimits.Default, out var resolved) != EntryPath.Ok || !_versions.TryGetValue(resolved, out var other)) return null;
        var (l, f) = other[^1];
        return f.Content is null ? null : (resolved, l, f);
    }

    private static string ResolveDots(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private void RemoveUnder(string path, bool self)
    {
        if (path.Length == 0)
        {
            _paths.Clear();
            _versions.Clear();
            return;
        }

        if (self && _paths.Remove(path)) _versions.Remove(path);
        var prefix = path + "/";
        foreach (var under in _paths.GetViewBetween(prefix, prefix + char.MaxValue).Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            _paths.Remove(under);
            _versions.Remove(under);
        }
    }
}
