using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PipeWatch.Configuration;
using PipeWatch.Detectors;

namespace PipeWatch.Engine;

/// <summary>
/// The JSON Schema of pipewatch.yml (docs/schemas/pipewatch.schema.json), made from the same key lists <see cref="ConfigLoader"/>
/// reads with, so an editor completes exactly the keys the loader accepts. Values the loader checks with code of its own
/// (lists of mappings, URLs) are described loosely; the loader stays the judge.
/// </summary>
internal static class ConfigSchema
{
    public const string Id = "https://pipewatch.dev/schemas/pipewatch.schema.json";

    /// <summary>The schema as indented JSON, with a final newline.</summary>
    public static string Write() =>
        Build().ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    public static JsonObject Build()
    {
        var top = new JsonObject();
        foreach (var setting in ConfigLoader.TopLevelSettings)
        {
            top[setting.Key] = setting.Key switch
            {
                "detectors" => Detectors(),
                "allow" => Allow(),
                "incidents" => Section("How findings are grouped into incidents.", ConfigLoader.IncidentSettings.Select(s => (s.Key, s.Schema))),
                "sigma" => Section("Sigma rules: the built-in set, rule folders, field mapping.", SigmaSettings.All.Select(s => (s.Key, s.Schema))),
                "signals" => Section("Risk-based alerting: weak signals that alert only together.", SignalSettings.All.Select(s => (s.Key, s.Schema))),
                "serve" => Section("The watch mode (pipewatch serve).", ServeSettings.All.Select(s => (s.Key, s.Schema))),
                "intel" => Section("Threat-intelligence feeds read and refreshed (docs/detectors.md).", IntelSettings.All.Select(s => (s.Key, s.Schema))),
                "secrets" => Section("The user's own secret rules: found by scan, redacted by scan, ingest and serve.", SecretsSettings.All.Select(s => (s.Key, s.Schema))),
                "alerts" => Alerts(),
                _ => Value(setting.Schema),
            };
        }

        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = Id,
            ["title"] = "pipewatch.yml",
            ["description"] = "PipeWatch's configuration: detector thresholds, allow entries, incidents, Sigma rules, signals, the watch mode and alert routes (docs/configuration.md).",
            ["type"] = "object",
            ["properties"] = top,
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject Detectors()
    {
        var sections = new JsonObject();
        foreach (var section in BuiltInDetectors.Sections.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            var keys = section.Keys.Prepend(("enabled", """{"type":"boolean"}"""));
            sections[section.Id] = Section($"The {section.Id} detector (docs/detectors.md#{section.Id.Replace(".", "", StringComparison.Ordinal)}).", keys);
        }

        return new JsonObject
        {
            ["description"] = "Per-detector settings, by detector id.",
            ["type"] = "object",
            ["properties"] = sections,
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject Allow()
    {
        var fields = new JsonObject { ["reason"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["description"] = "Why this is allowed." } };
        foreach (var matcher in AllowlistReader.Matchers) fields[matcher] = new JsonObject { ["type"] = "string", ["description"] = "A glob (* and ?) to match." };
        return new JsonObject
        {
            ["description"] = "Findings that are expected, each entry with its reason; an entry's matchers must all match.",
            ["type"] = "array",
            ["items"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = fields,
                ["required"] = new JsonArray("reason"),
                ["additionalProperties"] = false,
            },
        };
    }

    private static JsonObject Alerts()
    {
        var route = new JsonObject
        {
            ["name"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[A-Za-z0-9._-]+$" },
            ["sink"] = new JsonObject { ["enum"] = new JsonArray([.. SinkKinds.All.Select(k => (JsonNode)k.Id)]) },
        };
        foreach (var setting in AlertsReader.RouteSettings) route[setting.Key] = Value(setting.Schema);

        // Each sink kind allows the route's keys and its own, and requires what it needs.
        var kinds = new JsonArray();
        foreach (var kind in SinkKinds.All)
        {
            var (keys, required) = kind.Schema;
            var properties = new JsonObject();
            foreach (var (key, schema) in keys) properties[key] = Value(schema);
            var names = route.Select(p => p.Key).Concat(keys.Select(k => k.Key)).Distinct(StringComparer.Ordinal).Select(k => (JsonNode)k);
            kinds.Add(new JsonObject
            {
                ["if"] = new JsonObject { ["properties"] = new JsonObject { ["sink"] = new JsonObject { ["const"] = kind.Id } }, ["required"] = new JsonArray("sink") },
                ["then"] = new JsonObject
                {
                    ["properties"] = properties,
                    ["propertyNames"] = new JsonObject { ["enum"] = new JsonArray([.. names]) },
                    ["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]),
                },
            });
        }

        return new JsonObject
        {
            ["description"] = "Alert routes: each a sink with its settings, a filter, a rate policy and delivery limits (docs/alerts.md).",
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["routes"] = new JsonObject
                {
                    ["type"] = "array",
                    ["maxItems"] = AlertsReader.MaxRoutes,
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = route,
                        ["required"] = new JsonArray("name", "sink"),
                        ["allOf"] = kinds,
                    },
                },
            },
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject Section(string description, IEnumerable<(string Key, string? Schema)> keys)
    {
        var properties = new JsonObject();
        foreach (var (key, schema) in keys) properties[key] = Value(schema);
        return new JsonObject
        {
            ["description"] = description,
            ["type"] = "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
    }

    // A key's value schema; a key whose reader checks the value itself accepts anything here.
    private static JsonObject Value(string? schema) => schema is null ? [] : JsonNode.Parse(schema)!.AsObject();
}
