using PipeWatch.Alerting;
using PipeWatch.Findings;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>Reads the top-level <c>allow</c> list: each entry a reason and at least one field to match.</summary>
internal static class AllowlistReader
{
    // The fields an entry may match on, in the order problems list them.
    internal static readonly string[] Matchers = ["rule", "category", "repository", "pipeline", "job", "step", "actor", "path"];

    public static List<AllowEntry> Read(YamlConfigReader reader, YamlNode node) =>
        reader.MappingList(node, "allow", "must be a list of entries", (item, map, path) => Entry(reader, item, map, path));

    private static AllowEntry? Entry(YamlConfigReader reader, YamlNode item, YamlMappingNode map, string path)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in reader.Entries(map))
        {
            if (key == "reason" || Matchers.Contains(key))
            {
                if (reader.String(value, $"{path}.{key}") is { } text) fields[key] = text;
            }
            else
            {
                reader.Unknown(value, $"{path}.{key}", $"reason, {string.Join(", ", Matchers)}");
            }
        }

        if (fields.TryGetValue("category", out var category) && !Categories.IsKnown(category))
        {
            var categoryKey = map.Children.First(p => YamlConfigReader.Key(p.Key) == "category").Key;
            reader.Problem(categoryKey, $"{path}.category: '{category}' is not a category of the taxonomy");
        }

        if (!fields.ContainsKey("reason"))
        {
            reader.Problem(item, $"{path}: missing 'reason' (say why this is allowed)");
        }

        if (fields.Keys.All(k => k == "reason"))
        {
            reader.Problem(item, $"{path}: matches everything; give at least one of {string.Join(", ", Matchers)}");
            return null;
        }

        return new AllowEntry(
            fields.GetValueOrDefault("reason") ?? string.Empty,
            fields.GetValueOrDefault("rule"),
            fields.GetValueOrDefault("category"),
            fields.GetValueOrDefault("repository"),
            fields.GetValueOrDefault("pipeline"),
            fields.GetValueOrDefault("job"),
            fields.GetValueOrDefault("step"),
            fields.GetValueOrDefault("actor"),
            fields.GetValueOrDefault("path"));
    }
}
