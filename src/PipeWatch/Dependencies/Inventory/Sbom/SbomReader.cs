using System.Text.Json;

namespace PipeWatch.Dependencies.Inventory.Sbom;

/// <summary>What an SBOM file held: its format, the place it describes with its packages, and the packages left out (no ecosystem PipeWatch knows).</summary>
public sealed record SbomContents(string Format, InventoryUpdate Update, int Skipped);

/// <summary>
/// Reads SBOMs made by other tools as inventory: CycloneDX JSON (syft, Trivy <c>--format cyclonedx</c>), SPDX 2.x JSON (syft,
/// GitHub's dependency-graph export), and Trivy's own JSON report. Packages are named by their purl.
/// </summary>
/// <remarks>Bounded: files up to <see cref="MaxBytes"/>, <see cref="MaxPackages"/> packages, JSON nested 64 deep. A file that is none of these throws <see cref="FormatException"/> saying why.</remarks>
public static class SbomReader
{
    public const long MaxBytes = 512L << 20;
    public const int MaxPackages = 1_000_000;

    /// <summary>Reads <paramref name="path"/>; the place is <paramref name="place"/> when given, else the one the SBOM describes.</summary>
    /// <exception cref="FormatException">Not an SBOM this reads, or larger than the bounds.</exception>
    public static SbomContents Read(string path, InventoryPlace? place, DateTimeOffset now)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxBytes) throw new FormatException($"{path}: larger than {MaxBytes >> 20} MB");
        using var stream = File.OpenRead(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path}: not JSON ({ex.Message})", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var name = Path.GetFileName(path);
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("bomFormat", out var bom) && bom.ValueKind == JsonValueKind.String && bom.GetString() == "CycloneDX")
            {
                return CycloneDx(root, name, place, now);
            }

            if (root.ValueKind == JsonValueKind.Object && Text(root, "spdxVersion") is { } version && version.StartsWith("SPDX-2", StringComparison.Ordinal))
            {
                return Spdx(root, name, place, now);
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Results", out _) && root.TryGetProperty("ArtifactName", out _))
            {
                return Trivy(root, name, place, now);
            }

            throw new FormatException($"{path}: not an SBOM PipeWatch reads (CycloneDX JSON with bomFormat, SPDX 2.x JSON with spdxVersion, or a Trivy JSON report)");
        }
    }

    private static SbomContents CycloneDx(JsonElement root, string file, InventoryPlace? place, DateTimeOffset now)
    {
        var items = new List<InventoryItem>();
        var skipped = 0;
        var subject = root.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("component", out var component) ? component : default;
        place ??= subject.ValueKind == JsonValueKind.Object && Text(subject, "name") is { Length: > 0 } name
            ? Text(subject, "type") == "container" ? new InventoryPlace(PlaceKind.Image, ImageName(name, Text(subject, "version"))) : new InventoryPlace(PlaceKind.Repository, name)
            : new InventoryPlace(PlaceKind.Repository, file);
        var pending = new Stack<JsonElement>();
        if (root.TryGetProperty("components", out var top) && top.ValueKind == JsonValueKind.Array) pending.Push(top);
        while (pending.Count > 0)
        {
            foreach (var c in pending.Pop().EnumerateArray())
            {
                if (c.ValueKind != JsonValueKind.Object) continue;
                if (c.TryGetProperty("components", out var nested) && nested.ValueKind == JsonValueKind.Array) pending.Push(nested);
                var properties = Properties(c);
                var purl = Purls.Parse(Text(c, "purl"));
                if (purl is null)
                {
                    skipped++;
                    continue;
                }

                var at = properties.GetValueOrDefault("syft:location:0:path") ?? properties.GetValueOrDefault("aquasecurity:trivy:FilePath") ?? file;
                var layer = properties.GetValueOrDefault("syft:location:0:layerID") ?? properties.GetValueOrDefault("aquasecurity:trivy:LayerDiffID") ?? "";
                Add(items, new InventoryItem(purl.Value.Ecosystem, purl.Value.Name, Text(c, "version") is { Length: > 0 } v && purl.Value.Version.Length == 0 ? v : purl.Value.Version, at.TrimStart('/'), layer, Source: "registry"));
            }
        }

        return new SbomContents("cyclonedx", new InventoryUpdate(place, null, items, now), skipped);
    }

    private static SbomContents Spdx(JsonElement root, string file, InventoryPlace? place, DateTimeOffset now)
    {
        var described = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("documentDescribes", out var describes) && describes.ValueKind == JsonValueKind.Array)
        {
            foreach (var d in describes.EnumerateArray()) if (d.ValueKind == JsonValueKind.String) described.Add(d.GetString()!);
        }

        if (root.TryGetProperty("relationships", out var relationships) && relationships.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in relationships.EnumerateArray())
            {
                if (Text(r, "spdxElementId") == "SPDXRef-DOCUMENT" && Text(r, "relationshipType") == "DESCRIBES" && Text(r, "relatedSpdxElement") is { } id) described.Add(id);
            }
        }

        var items = new List<InventoryItem>();
        var skipped = 0;
        InventoryPlace? subject = null;
        foreach (var p in root.TryGetProperty("packages", out var packages) && packages.ValueKind == JsonValueKind.Array ? packages.EnumerateArray() : default)
        {
            if (p.ValueKind != JsonValueKind.Object) continue;
            if (Text(p, "SPDXID") is { } id && described.Contains(id))
            {
                // The package the document describes is the place: GitHub names a repository "com.github.owner/name".
                var name = Text(p, "name") ?? file;
                subject ??= Text(p, "primaryPackagePurpose") == "CONTAINER"
                    ? new InventoryPlace(PlaceKind.Image, ImageName(name, Text(p, "versionInfo")))
                    : new InventoryPlace(PlaceKind.Repository, name.StartsWith("com.github.", StringComparison.Ordinal) ? name["com.github.".Length..] : name);
                continue;
            }

            var purl = PurlOf(p);
            if (purl is null)
            {
                skipped++;
                continue;
            }

            var version = purl.Value.Version.Length > 0 ? purl.Value.Version : Text(p, "versionInfo") ?? "";
            Add(items, new InventoryItem(purl.Value.Ecosystem, purl.Value.Name, version, file, Source: "registry"));
        }

        place ??= subject ?? new InventoryPlace(PlaceKind.Repository, Text(root, "name") ?? file);
        return new SbomContents("spdx", new InventoryUpdate(place, null, items, now), skipped);
    }

    private static SbomContents Trivy(JsonElement root, string file, InventoryPlace? place, DateTimeOffset now)
    {
        var name = Text(root, "ArtifactName") ?? file;
        place ??= Text(root, "ArtifactType") == "container_image" ? new InventoryPlace(PlaceKind.Image, name) : new InventoryPlace(PlaceKind.Repository, name);
        var items = new List<InventoryItem>();
        var skipped = 0;
        foreach (var result in root.GetProperty("Results").ValueKind == JsonValueKind.Array ? root.GetProperty("Results").EnumerateArray() : default)
        {
            var target = Text(result, "Target") ?? file;
            // An OS result's target is the image and its distribution ("alpine:3.19 (alpine 3.19.1)"): its packages come from the package database.
            var at = Text(result, "Class") == "os-pkgs" ? "os-packages" : target;
            if (!result.TryGetProperty("Packages", out var packages) || packages.ValueKind != JsonValueKind.Array) continue;
            foreach (var p in packages.EnumerateArray())
            {
                var purl = p.TryGetProperty("Identifier", out var identifier) ? Purls.Parse(Text(identifier, "PURL")) : null;
                if (purl is null)
                {
                    skipped++;
                    continue;
                }

                var layer = p.TryGetProperty("Layer", out var l) ? Text(l, "DiffID") ?? "" : "";
                Add(items, new InventoryItem(purl.Value.Ecosystem, purl.Value.Name, Text(p, "Version") ?? purl.Value.Version, at, layer, Source: "registry"));
            }
        }

        return new SbomContents("trivy", new InventoryUpdate(place, null, items, now), skipped);
    }

    private static void Add(List<InventoryItem> items, InventoryItem item)
    {
        if (items.Count >= MaxPackages) throw new FormatException($"more than {MaxPackages} packages");
        items.Add(item);
    }

    private static (string Ecosystem, string Name, string Version)? PurlOf(JsonElement package)
    {
        if (!package.TryGetProperty("externalRefs", out var refs) || refs.ValueKind != JsonValueKind.Array) return null;
        foreach (var r in refs.EnumerateArray())
        {
            if (Text(r, "referenceType") == "purl" && Purls.Parse(Text(r, "referenceLocator")) is { } purl) return purl;
        }

        return null;
    }

    private static Dictionary<string, string> Properties(JsonElement component)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!component.TryGetProperty("properties", out var list) || list.ValueKind != JsonValueKind.Array) return properties;
        foreach (var p in list.EnumerateArray())
        {
            if (Text(p, "name") is { } name && Text(p, "value") is { } value) properties.TryAdd(name, value);
        }

        return properties;
    }

    /// <summary>An image as a reference: "alpine:3.19" as given, else name and tag, or name@digest.</summary>
    private static string ImageName(string name, string? version) =>
        version is not { Length: > 0 } || name.Contains(':', StringComparison.Ordinal) || name.Contains('@', StringComparison.Ordinal) ? name
        : version.StartsWith("sha256:", StringComparison.Ordinal) ? $"{name}@{version}" : $"{name}:{version}";

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
