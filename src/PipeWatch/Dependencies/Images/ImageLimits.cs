namespace PipeWatch.Dependencies.Images;

/// <summary>The bounds reading an image keeps to, against hostile archives: counts, depths and sizes.</summary>
internal sealed record ImageLimits
{
    public static ImageLimits Default { get; } = new();

    /// <summary>Entries read from one layer's tar before the rest of the layer is left unread.</summary>
    public int MaxLayerEntries { get; init; } = 2_000_000;

    /// <summary>Members of an image archive (the outer tar) read before the rest is left unread.</summary>
    public int MaxArchiveMembers { get; init; } = 100_000;

    /// <summary>Layers of one image; an image with more is not read.</summary>
    public int MaxLayers { get; init; } = 256;

    /// <summary>Images in one layout or archive (manifests followed); the rest are skipped.</summary>
    public int MaxImages { get; init; } = 64;

    /// <summary>Path components of a file in a layer; deeper entries are skipped.</summary>
    public int MaxPathDepth { get; init; } = 128;

    /// <summary>Characters of a path in a layer; longer entries are skipped.</summary>
    public int MaxPathLength { get; init; } = 4096;

    /// <summary>Bytes of a JSON document of the layout (index, manifest, config).</summary>
    public int MaxMetadataBytes { get; init; } = 8 << 20;

    /// <summary>Bytes of one text package database or language-package file (dpkg status, apk installed, package.json, METADATA, deps.json).</summary>
    public int MaxFileBytes { get; init; } = 64 << 20;

    /// <summary>Bytes of an rpm database file.</summary>
    public int MaxDatabaseBytes { get; init; } = 512 << 20;

    /// <summary>Bytes of package files kept in memory for one image, all layers together.</summary>
    public long MaxKeptBytes { get; init; } = 1L << 30;
}
