using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Detectors.CodeChange.Workflows;

/// <summary>Small readers over the YAML representation model that keep each value's line.</summary>
internal static class YamlNodes
{
    public static YamlNode? Get(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode? Mapping(YamlNode? node, string key) => Get(node, key) as YamlMappingNode;

    public static IEnumerable<YamlNode> Items(YamlNode? node, string key) =>
        Get(node, key) is YamlSequenceNode seq ? seq.Children : [];

    /// <summary>A scalar as text with its line; a block scalar's line is that of its first content line.</summary>
    public static CiText? Text(YamlNode? node)
    {
        if (node is not YamlScalarNode { Value: { } value } scalar) return null;
        var block = scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded;
        return new CiText(value, (int)scalar.Start.Line + (block ? 1 : 0), block);
    }

    public static CiText? Text(YamlNode? node, string key) => Text(Get(node, key));

    /// <summary>A scalar, or the scalars of a sequence (nested sequences flattened, as anchors produce them).</summary>
    public static IReadOnlyList<CiText> Texts(YamlNode? node)
    {
        var texts = new List<CiText>();
        Collect(node, texts);
        return texts;

        static void Collect(YamlNode? node, List<CiText> into)
        {
            switch (node)
            {
                case YamlScalarNode:
                    if (Text(node) is { } text) into.Add(text);
                    break;
                case YamlSequenceNode seq:
                    foreach (var child in seq.Children) Collect(child, into);
                    break;
            }
        }
    }

    /// <summary>The scalar entries of a mapping by key; other entries are skipped.</summary>
    public static IReadOnlyDictionary<string, CiText> Map(YamlNode? node)
    {
        var map = new Dictionary<string, CiText>(StringComparer.Ordinal);
        if (node is not YamlMappingNode mapping) return map;
        foreach (var (key, value) in mapping.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && Text(value) is { } text) map[name] = text;
        }

        return map;
    }

    /// <summary>The keys of a mapping as texts with their lines.</summary>
    public static IReadOnlyList<CiText> Keys(YamlNode? node) =>
        node is YamlMappingNode map
            ? [.. map.Children.Keys.OfType<YamlScalarNode>().Where(k => k.Value is not null).Select(k => new CiText(k.Value!, (int)k.Start.Line))]
            : [];

    public static int Line(YamlNode node) => (int)node.Start.Line;

    /// <summary>GitHub-style permissions: a scalar for the whole token, or a mapping of scope to level.</summary>
    public static CiPermissions? Permissions(YamlNode? node) => node switch
    {
        YamlScalarNode => new CiPermissions(Text(node), []),
        YamlMappingNode map => new CiPermissions(
            map.Children.Count == 0 ? new CiText("{}", Line(map)) : null,
            [.. Map(map).Select(p => p)]),
        _ => null,
    };
}
