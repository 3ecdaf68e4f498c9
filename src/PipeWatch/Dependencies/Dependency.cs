namespace PipeWatch.Dependencies;

/// <summary>One resolved package of a lockfile or manifest: which, at what exact version, from where, and how it got in.</summary>
/// <param name="Ecosystem">The OSV ecosystem name (<see cref="Ecosystems"/>).</param>
/// <param name="Name">The package name as the ecosystem's advisories spell it (npm scope included, Maven <c>group:artifact</c>).</param>
/// <param name="Version">The exact resolved version; empty when the file states none.</param>
/// <param name="Direct">True when the project itself asks for it; false when it comes in through another package.</param>
/// <param name="Source">Where the package manager fetched it from.</param>
/// <param name="Integrity">The content hash the file pins (<c>sha512-…</c>, <c>h1:…</c>, …), or null.</param>
/// <param name="Line">The 1-based line of its entry in the file, when known.</param>
public sealed record Dependency(
    string Ecosystem,
    string Name,
    string Version,
    bool Direct,
    DependencySource Source,
    string? Integrity = null,
    int? Line = null)
{
    /// <summary>Names of the packages it depends on, as the file lists them (for the path from a direct dependency).</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];

    /// <summary>True for a development-only dependency (npm <c>dev</c>, composer <c>packages-dev</c>, Pipfile <c>develop</c>…).</summary>
    public bool Dev { get; init; }

    /// <summary>For a package installed in a container image: the installed package, its layer and the file it was read from; null for a lockfile's package.</summary>
    internal InstalledFrom? Installed { get; init; }

    // The key, built once: a history scan asks every dependency of a changed lockfile for it several times per change.
    private readonly DependencyKeyCache _key = new();

    /// <summary>"ecosystem|name|version": what makes two entries the same package.</summary>
    public string Key => _key.For(Ecosystem, Name, Version);

    public override string ToString() => $"{Ecosystem}:{Name}@{Version}";
}

/// <summary>
/// A <see cref="Dependency.Key"/> kept with the parts it was built from. A copy made by <c>with</c> shares it (the copies of a
/// lockfile entry's template at each version then build the key once), and a copy that changed a part builds its own again.
/// </summary>
/// <remarks>Thread-safe (an immutable holder, swapped whole). Equal to any other, so it never makes two dependencies unequal.</remarks>
internal sealed class DependencyKeyCache : IEquatable<DependencyKeyCache>
{
    private Held? _held;

    public string For(string ecosystem, string name, string version)
    {
        if (Volatile.Read(ref _held) is { } held && ReferenceEquals(held.Ecosystem, ecosystem) && ReferenceEquals(held.Name, name) && ReferenceEquals(held.Version, version)) return held.Key;
        var key = $"{ecosystem}|{name}|{version}";
        Volatile.Write(ref _held, new Held(ecosystem, name, version, key));
        return key;
    }

    public bool Equals(DependencyKeyCache? other) => other is not null;

    public override bool Equals(object? obj) => obj is DependencyKeyCache;

    public override int GetHashCode() => 0;

    private sealed record Held(string Ecosystem, string Name, string Version, string Key);
}

/// <summary>Where an image's package was found: the binary package installed (its advisories may name its source package), the layer, the file.</summary>
/// <param name="Package">The installed (binary) package's name.</param>
/// <param name="Layer">The layer's digest.</param>
/// <param name="FromBase">True for a base-image layer, false for one the build added, null when unknown.</param>
/// <param name="Path">The file in the image the package was read from.</param>
internal sealed record InstalledFrom(string Package, string Layer, bool? FromBase, string Path);

/// <summary>Where a package comes from.</summary>
public enum SourceKind
{
    /// <summary>The file does not say.</summary>
    Unknown,

    /// <summary>A package registry (the URL, when given, is the registry or the tarball it served).</summary>
    Registry,

    /// <summary>A git repository, possibly at a commit.</summary>
    Git,

    /// <summary>A tarball or archive URL outside a registry's own layout.</summary>
    Tarball,

    /// <summary>A local folder or file.</summary>
    Path,
}

/// <summary>A package's origin: its kind and the URL or path when the file states one.</summary>
public sealed record DependencySource(SourceKind Kind, string? Location = null)
{
    public static DependencySource Unknown { get; } = new(SourceKind.Unknown);

    public override string ToString() => Location is null ? Kind.ToString().ToLowerInvariant() : $"{Kind.ToString().ToLowerInvariant()} {Location}";
}
