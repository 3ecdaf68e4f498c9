using System.Globalization;
using System.Text.Json;

namespace PipeWatch.Intel.Feeds;

/// <summary>Reads STIX 2.1 JSON: a bundle, a TAXII 2.1 envelope, an array of objects or one object; its <c>indicator</c> objects with <c>pattern_type: stix</c> become indicators.</summary>
/// <remarks>
/// Every other object (relationships, malware, identities, observables such as a bare <c>ipv4-addr</c>) is counted by type as
/// skipped. ATT&amp;CK techniques come from the indicator's own <c>mitre-attack</c> external references and from the attack
/// patterns it <c>indicates</c>. A revoked indicator is read (so that it replaces an earlier import of itself) and never matches.
/// </remarks>
internal static class StixBundleFeed
{
    public const string Format = "stix";

    public static bool Recognizes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && (Text(root, "type") is "bundle" || (root.TryGetProperty("objects", out var envelope) && envelope.ValueKind == JsonValueKind.Array) || (Text(root, "spec_version") is not null && Text(root, "id") is { } id && id.Contains("--", StringComparison.Ordinal)))
        || root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0 && root[0].ValueKind == JsonValueKind.Object && Text(root[0], "spec_version") is not null;

    public static void Read(JsonElement root, FeedReading reading)
    {
        var objects = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList()
            // A bundle, or a TAXII 2.1 envelope ({"more":…,"objects":[…]}).
            : root.TryGetProperty("objects", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList()
            : Text(root, "type") == "bundle" ? []
            : [root];
        var techniques = TechniquesByTarget(objects);
        for (var index = 0; index < objects.Count; index++)
        {
            var item = objects[index];
            var type = item.ValueKind == JsonValueKind.Object ? Text(item, "type") : null;
            if (type is null)
            {
                reading.Skip("STIX object without a type");
                continue;
            }

            if (type != "indicator")
            {
                reading.Skip($"{type} object");
                continue;
            }

            ReadIndicator(item, techniques, reading, index);
        }
    }

    private static void ReadIndicator(JsonElement item, Dictionary<string, List<string>> techniques, FeedReading reading, int index)
    {
        var patternType = Text(item, "pattern_type") ?? "stix";
        if (patternType != "stix")
        {
            reading.Skip($"indicator with pattern_type '{patternType}'");
            return;
        }

        if (Text(item, "pattern") is not { } pattern)
        {
            reading.Skip("indicator without a pattern");
            return;
        }

        var result = StixPattern.Read(pattern);
        if (result.Bad is { } bad)
        {
            reading.Problem($"object {index} ({Text(item, "id") ?? "no id"}): bad pattern: {bad}");
            return;
        }

        if (result.Unusable is { } why)
        {
            reading.Skip($"indicator: {why}");
            return;
        }

        var id = Text(item, "id");
        var own = ExternalTechniques(item).ToList();
        if (id is not null && techniques.TryGetValue(id, out var indicated)) own.AddRange(indicated);
        var labels = Strings(item, "labels").Concat(Strings(item, "indicator_types"))
            .Concat(KillChainPhases(item)).Distinct(StringComparer.Ordinal).ToList();
        var name = Text(item, "name");
        var description = Text(item, "description");
        var template = new Indicator(IndicatorKind.Md5, string.Empty, reading.Feed)
        {
            Description = string.IsNullOrWhiteSpace(description) ? name : name is null ? description : $"{name}: {description}",
            Confidence = item.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var confidence) ? Math.Clamp(confidence, 0, 100) : null,
            ValidFrom = Time(item, "valid_from"),
            ValidUntil = Time(item, "valid_until"),
            FirstSeen = Time(item, "created"),
            LastSeen = Time(item, "modified"),
            Revoked = item.TryGetProperty("revoked", out var r) && r.ValueKind == JsonValueKind.True,
            Labels = labels,
            Techniques = [.. own.Distinct(StringComparer.Ordinal)],
            Reference = id,
        };
        foreach (var (kind, raw) in result.Values)
        {
            if (IndicatorValues.Normalize(kind, raw) is { } value) reading.Add(template with { Kind = kind, Value = value });
            else reading.Problem($"object {index} ({id ?? "no id"}): '{UrlhausCsvFeed.Clip(raw)}' is not a valid {IndicatorKinds.Name(kind)}");
        }
    }

    // attack-pattern id → its ATT&CK ids; then, for each indicator that 'indicates' one, the ids.
    private static Dictionary<string, List<string>> TechniquesByTarget(List<JsonElement> objects)
    {
        var patterns = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var o in objects.Where(o => o.ValueKind == JsonValueKind.Object && Text(o, "type") == "attack-pattern"))
        {
            if (Text(o, "id") is { } id) patterns[id] = [.. ExternalTechniques(o)];
        }

        var byIndicator = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var o in objects.Where(o => o.ValueKind == JsonValueKind.Object && Text(o, "type") == "relationship" && Text(o, "relationship_type") == "indicates"))
        {
            if (Text(o, "source_ref") is not { } source || Text(o, "target_ref") is not { } target || !patterns.TryGetValue(target, out var ids) || ids.Count == 0) continue;
            if (!byIndicator.TryGetValue(source, out var list)) byIndicator[source] = list = [];
            list.AddRange(ids);
        }

        return byIndicator;
    }

    private static IEnumerable<string> ExternalTechniques(JsonElement item)
    {
        if (!item.TryGetProperty("external_references", out var refs) || refs.ValueKind != JsonValueKind.Array) yield break;
        foreach (var reference in refs.EnumerateArray())
        {
            if (reference.ValueKind == JsonValueKind.Object && Text(reference, "source_name") == "mitre-attack" && Text(reference, "external_id") is { } id && Techniques.IsTechnique(id)) yield return id;
        }
    }

    private static IEnumerable<string> KillChainPhases(JsonElement item)
    {
        if (!item.TryGetProperty("kill_chain_phases", out var phases) || phases.ValueKind != JsonValueKind.Array) yield break;
        foreach (var phase in phases.EnumerateArray())
        {
            if (phase.ValueKind == JsonValueKind.Object && Text(phase, "kill_chain_name") is { } chain && Text(phase, "phase_name") is { } name) yield return $"{chain}:{name}";
        }
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IEnumerable<string> Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
            : [];

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
}
