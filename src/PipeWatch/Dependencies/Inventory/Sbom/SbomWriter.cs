using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PipeWatch.Dependencies.Inventory.Sbom;

/// <summary>The SBOM formats the inventory is exported as.</summary>
public enum SbomFormat
{
    /// <summary>CycloneDX 1.6 JSON: each place a component (application, container, platform) holding its packages.</summary>
    CycloneDx,

    /// <summary>SPDX 2.3 JSON: each place a package that CONTAINS its packages.</summary>
    Spdx,
}

/// <summary>Writes the inventory as an SBOM. Property names under <c>pipewatch:</c> carry what the formats have no field for (the file, the layer, first seen).</summary>
public static class SbomWriter
{
    /// <summary>Writes <paramref name="entries"/> (ordered by place, as <see cref="IInventoryStore.Entries"/> gives them) to <paramref name="output"/>.</summary>
    /// <param name="tool">The producing tool's version, for the document's creator.</param>
    public static void Write(Stream output, SbomFormat format, IEnumerable<InventoryEntry> entries, DateTimeOffset now, string tool)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var places = entries.GroupBy(e => e.Place).ToList();
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        if (format == SbomFormat.CycloneDx) CycloneDx(json, places, now, tool);
        else Spdx(json, places, now, tool);
    }

    private static void CycloneDx(Utf8JsonWriter json, List<IGrouping<InventoryPlace, InventoryEntry>> places, DateTimeOffset now, string tool)
    {
        json.WriteStartObject();
        json.WriteString("bomFormat", "CycloneDX");
        json.WriteString("specVersion", "1.6");
        json.WriteString("serialNumber", "urn:uuid:" + Uuid(places, now));
        json.WriteNumber("version", 1);
        json.WriteStartObject("metadata");
        json.WriteString("timestamp", Time(now));
        json.WriteStartObject("tools");
        json.WriteStartArray("components");
        json.WriteStartObject();
        json.WriteString("type", "application");
        json.WriteString("name", "pipewatch");
        json.WriteString("version", tool);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteStartArray("components");
        foreach (var place in places)
        {
            json.WriteStartObject();
            json.WriteString("type", place.Key.Kind switch { PlaceKind.Image => "container", PlaceKind.CiServer or PlaceKind.Runner => "platform", _ => "application" });
            json.WriteString("bom-ref", PlaceRef(place.Key));
            json.WriteString("name", place.Key.Id);
            Properties(json, [("pipewatch:place-kind", place.Key.KindText)]);
            json.WriteStartArray("components");
            foreach (var entry in place)
            {
                var item = entry.Item;
                json.WriteStartObject();
                json.WriteString("type", Ecosystems.Base(item.Ecosystem) is Ecosystems.Docker ? "container" : "library");
                json.WriteString("bom-ref", PackageRef(entry));
                json.WriteString("name", item.Name);
                if (item.Version.Length > 0) json.WriteString("version", item.Version);
                if (Purls.Of(item) is { } purl) json.WriteString("purl", purl);
                Properties(json, [
                    ("pipewatch:ecosystem", item.Ecosystem),
                    ("pipewatch:path", item.Path),
                    .. item.Layer.Length > 0 ? [("pipewatch:layer", item.Layer)] : Array.Empty<(string, string)>(),
                    ("pipewatch:direct", item.Direct ? "true" : "false"),
                    ("pipewatch:first-seen", Time(entry.FirstSeen)),
                ]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Spdx(Utf8JsonWriter json, List<IGrouping<InventoryPlace, InventoryEntry>> places, DateTimeOffset now, string tool)
    {
        json.WriteStartObject();
        json.WriteString("spdxVersion", "SPDX-2.3");
        json.WriteString("dataLicense", "CC0-1.0");
        json.WriteString("SPDXID", "SPDXRef-DOCUMENT");
        json.WriteString("name", "pipewatch-inventory");
        json.WriteString("documentNamespace", "https://pipewatch.invalid/spdx/inventory-" + Uuid(places, now));
        json.WriteStartObject("creationInfo");
        json.WriteString("created", Time(now));
        json.WriteStartArray("creators");
        json.WriteStringValue("Tool: pipewatch-" + tool);
        json.WriteEndArray();
        json.WriteEndObject();
        var relationships = new List<(string From, string Type, string To)>();
        json.WriteStartArray("packages");
        var p = 0;
        foreach (var place in places)
        {
            var placeId = $"SPDXRef-Place-{++p}";
            relationships.Add(("SPDXRef-DOCUMENT", "DESCRIBES", placeId));
            json.WriteStartObject();
            json.WriteString("SPDXID", placeId);
            json.WriteString("name", place.Key.Id);
            json.WriteString("downloadLocation", "NOASSERTION");
            json.WriteBoolean("filesAnalyzed", false);
            json.WriteString("primaryPackagePurpose", place.Key.Kind == PlaceKind.Image ? "CONTAINER" : place.Key.Kind == PlaceKind.Repository ? "SOURCE" : "OTHER");
            json.WriteString("comment", "pipewatch:place-kind=" + place.Key.KindText);
            json.WriteEndObject();
            var i = 0;
            foreach (var entry in place)
            {
                var item = entry.Item;
                var id = $"SPDXRef-Place-{p}-Package-{++i}";
                relationships.Add((placeId, "CONTAINS", id));
                json.WriteStartObject();
                json.WriteString("SPDXID", id);
                json.WriteString("name", item.Name);
                if (item.Version.Length > 0) json.WriteString("versionInfo", item.Version);
                json.WriteString("downloadLocation", "NOASSERTION");
                json.WriteBoolean("filesAnalyzed", false);
                json.WriteString("primaryPackagePurpose", Ecosystems.Base(item.Ecosystem) is Ecosystems.Docker ? "CONTAINER" : "LIBRARY");
                if (Purls.Of(item) is { } purl)
                {
                    json.WriteStartArray("externalRefs");
                    json.WriteStartObject();
                    json.WriteString("referenceCategory", "PACKAGE-MANAGER");
                    json.WriteString("referenceType", "purl");
                    json.WriteString("referenceLocator", purl);
                    json.WriteEndObject();
                    json.WriteEndArray();
                }

                json.WriteString("sourceInfo", $"pipewatch:ecosystem={item.Ecosystem}; path={item.Path}{(item.Layer.Length > 0 ? "; layer=" + item.Layer : "")}; first-seen={Time(entry.FirstSeen)}");
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteStartArray("relationships");
        foreach (var (from, type, to) in relationships)
        {
            json.WriteStartObject();
            json.WriteString("spdxElementId", from);
            json.WriteString("relationshipType", type);
            json.WriteString("relatedSpdxElement", to);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Properties(Utf8JsonWriter json, IEnumerable<(string Name, string Value)> properties)
    {
        json.WriteStartArray("properties");
        foreach (var (name, value) in properties)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("value", value);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static string PlaceRef(InventoryPlace place) => $"{place.KindText}:{place.Id}";

    private static string PackageRef(InventoryEntry e) =>
        $"{PlaceRef(e.Place)}|{e.Item.Path}|{e.Item.Ecosystem}:{e.Item.Name}@{e.Item.Version}{(e.Item.Layer.Length > 0 ? "|" + e.Item.Layer : "")}";

    /// <summary>A version-4-shaped UUID from the content and time, so the same inventory at the same time gives the same document id.</summary>
    private static string Uuid(List<IGrouping<InventoryPlace, InventoryEntry>> places, DateTimeOffset now)
    {
        var text = new StringBuilder(Time(now));
        foreach (var place in places)
        {
            foreach (var e in place) text.Append('\n').Append(PackageRef(e));
        }

        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
