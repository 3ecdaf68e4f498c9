namespace PipeWatch.Dependencies.Inventory;

/// <summary>What kind of place holds packages: a repository, a container image, a CI server, a CI runner.</summary>
public enum PlaceKind
{
    /// <summary>A source repository (its lockfiles, manifests, workflows, Dockerfiles, plugin lists).</summary>
    Repository,

    /// <summary>A container image (its OS and language packages, by layer).</summary>
    Image,

    /// <summary>A running CI server (Jenkins, GitLab) and its plugins.</summary>
    CiServer,

    /// <summary>A CI runner (GitLab runner, GitHub self-hosted runner).</summary>
    Runner,
}

/// <summary>One place of the estate: its kind and its id (<c>owner/name</c>, an image reference, a server's URL, a runner's name).</summary>
public sealed record InventoryPlace(PlaceKind Kind, string Id)
{
    /// <summary>The kind as the wire and the store spell it: <c>repository</c>, <c>image</c>, <c>ci-server</c>, <c>runner</c>.</summary>
    public string KindText => Wire(Kind);

    public static string Wire(PlaceKind kind) => kind switch
    {
        PlaceKind.Image => "image",
        PlaceKind.CiServer => "ci-server",
        PlaceKind.Runner => "runner",
        _ => "repository",
    };

    /// <summary>The kind named by its wire text; null when it names none.</summary>
    public static PlaceKind? Parse(string text) => text switch
    {
        "repository" => PlaceKind.Repository,
        "image" => PlaceKind.Image,
        "ci-server" => PlaceKind.CiServer,
        "runner" => PlaceKind.Runner,
        _ => null,
    };

    public override string ToString() => $"{KindText} {Id}";
}

/// <summary>One package a place holds: which, at what version, in which file (or image layer), and how it came in.</summary>
/// <param name="Ecosystem">The OSV ecosystem (<see cref="Ecosystems"/>), with its release suffix for OS packages (<c>Debian:12</c>).</param>
/// <param name="Path">The file that names it (a lockfile, <c>/var/lib/dpkg/status</c>, an SBOM, an API), relative to the place.</param>
/// <param name="Layer">The image layer it came from (its digest), empty outside images.</param>
/// <param name="Direct">True when the place asks for it itself, false when it comes in through another package.</param>
/// <param name="Source">Where it was fetched from, as <see cref="SourceKind"/> in lower case (<c>registry</c>, <c>git</c>, <c>path</c>…).</param>
public sealed record InventoryItem(string Ecosystem, string Name, string Version, string Path, string Layer = "", bool Direct = true, string Source = "unknown")
{
    /// <summary>Since when the place has had it, when known better than the update's time (an earlier commit of the same run).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>What makes two items of a place the same row: path, package, version, layer.</summary>
    public (string, string, string, string, string) Key => (Path, Ecosystem, Name, Version, Layer);

    /// <summary>The item of a parsed dependency found in <paramref name="path"/>.</summary>
    public static InventoryItem Of(Dependency d, string path, string layer = "") =>
        new(d.Ecosystem, d.Name, d.Version, path, layer, d.Direct, d.Source.Kind.ToString().ToLowerInvariant());

    /// <summary>The dependency the matcher takes.</summary>
    public Dependency ToDependency() =>
        new(Ecosystem, Name, Version, Direct, new DependencySource(Enum.TryParse<SourceKind>(Source, ignoreCase: true, out var kind) ? kind : SourceKind.Unknown));
}

/// <summary>A stored inventory row: the place, the package, and since when the place has had it.</summary>
public sealed record InventoryEntry(InventoryPlace Place, InventoryItem Item, DateTimeOffset FirstSeen);

/// <summary>
/// What a place holds now, to replace what the inventory had for it: the whole place (<see cref="Path"/> null: a full scan, an
/// image, an SBOM, a server's answer) or one file of it (a lockfile ingested alone, a file a commit changed).
/// </summary>
/// <param name="Path">The file replaced, null for the whole place; every item then has this path.</param>
/// <param name="SeenAt">When the place was seen so: the first-seen time of the items it did not have.</param>
public sealed record InventoryUpdate(InventoryPlace Place, string? Path, IReadOnlyList<InventoryItem> Items, DateTimeOffset SeenAt);
