using PipeWatch.Rules.Sigma;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>The keys of the <c>sigma</c> section of pipewatch.yml; paths resolve against the config file's folder.</summary>
internal static class SigmaSettings
{
    public static IReadOnlyList<Setting<SigmaRulesOptions>> All { get; } =
    [
        Setting.Bool<SigmaRulesOptions>("builtin", (o, v) => o with { BuiltIn = v }),
        new("rules", (reader, node, at, o) => o with { Folders = [.. o.Folders, .. reader.Strings(node, at).Select(p => Resolve(reader, p))] }),
        new("field-mapping", (reader, node, at, o) => reader.String(node, at) is { } path ? o with { FieldMapping = Resolve(reader, path) } : o),
        Setting.Int<SigmaRulesOptions>("max-groups", 1, 10_000_000, (o, v) => o with { MaxGroups = v }),
        new("placeholders", (reader, node, at, o) => o with { Placeholders = Placeholders(reader, node, at) }),
    ];

    private static string Resolve(YamlConfigReader reader, string path) =>
        Path.GetFullPath(path, Path.GetDirectoryName(Path.GetFullPath(reader.File)) ?? Directory.GetCurrentDirectory());

    private static Dictionary<string, IReadOnlyList<string>> Placeholders(YamlConfigReader reader, YamlNode node, string at)
    {
        var placeholders = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (!reader.IsMapping(node, at, out var mapping)) return placeholders;
        foreach (var (name, values) in reader.Entries(mapping))
        {
            placeholders[name] = reader.Strings(values, $"{at}.{name}");
        }

        return placeholders;
    }
}
