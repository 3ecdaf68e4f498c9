namespace PipeWatch.Dependencies.Images;

/// <summary>One package installed in a container image: what it is, and which layer put it there.</summary>
/// <param name="Ecosystem">The OSV ecosystem, with the release for OS packages (<c>Debian:12</c>, <c>Alpine:v3.19</c>, <c>Ubuntu:22.04:LTS</c>, <c>Rocky Linux:9</c>); <c>npm</c>, <c>PyPI</c>, <c>NuGet</c> for language packages.</param>
/// <param name="Name">The binary package's name (dpkg <c>Package</c>, apk <c>P:</c>, rpm <c>NAME</c>), or the language package's.</param>
/// <param name="Version">The installed version as its package manager spells it (rpm: <c>[epoch:]version-release</c>).</param>
/// <param name="Layer">The layer whose files hold the evidence (the last layer, in order, that wrote that file).</param>
/// <param name="EvidencePath">The file in the image the package was read from (<c>var/lib/dpkg/status</c>, <c>app/node_modules/x/package.json</c>).</param>
/// <param name="SourceName">The source package OS advisories are written against (dpkg <c>Source</c>, apk <c>o:</c> origin); null when it is the binary's own name.</param>
/// <param name="SourceVersion">The source package's version when dpkg states one different from the binary's; null otherwise.</param>
internal sealed record ImagePackage(
    string Ecosystem,
    string Name,
    string Version,
    ImageLayer Layer,
    string EvidencePath,
    string? SourceName = null,
    string? SourceVersion = null)
{
    /// <summary>The package as a <see cref="Dependency"/>, matched against advisories under its source package's name and version.</summary>
    public Dependency ToDependency() => new(Ecosystem, SourceName ?? Name, SourceVersion ?? Version, Direct: false, DependencySource.Unknown)
    {
        Installed = new InstalledFrom(Name, Layer.Digest, Layer.FromBase, EvidencePath),
    };

    public override string ToString() => $"{Ecosystem}:{Name}@{Version} ({Layer.Digest}, {EvidencePath})";
}

/// <summary>One layer of an image, in the order layers are applied (0 = the bottom).</summary>
/// <param name="Index">Its place in the image's layer list.</param>
/// <param name="Digest">The manifest's digest of the layer blob (<c>sha256:…</c>); for a legacy <c>docker save</c> archive, the config's <c>rootfs.diff_ids</c> entry (the digest of the uncompressed tar).</param>
/// <param name="DiffId">The digest of the uncompressed layer from the config's <c>rootfs.diff_ids</c>, when the config lists it.</param>
/// <param name="FromBase">True when the layer is the base image's, false when the build added it; null when that cannot be told (no base image given).</param>
internal sealed record ImageLayer(int Index, string Digest, string? DiffId, bool? FromBase);

/// <summary>What reading one image found: its name, the distribution, its layers and its packages.</summary>
/// <param name="Reference">The image's name as the archive states it (<c>RepoTags</c>, <c>org.opencontainers.image.ref.name</c>), else the manifest digest.</param>
/// <param name="ManifestDigest">The manifest's digest, when the layout names it (OCI); null for a legacy <c>docker save</c> archive.</param>
/// <param name="Os">The distribution from <c>/etc/os-release</c> (or <c>/usr/lib/os-release</c>); null when the image has none.</param>
internal sealed record ImageContents(string Reference, string? ManifestDigest, OsRelease? Os, IReadOnlyList<ImageLayer> Layers, IReadOnlyList<ImagePackage> Packages);
