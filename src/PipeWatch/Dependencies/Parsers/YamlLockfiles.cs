using PipeWatch.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Dependencies.Parsers;

/// <summary>Opens a YAML file as a node tree with line numbers, turning a syntax error into a problem with its line.</summary>
internal static class YamlLockfiles
{
    public static YamlMappingNode? Open(string path, string text, out LockfileParse? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            failure = LockfileParse.Failed(path, "file is empty");
            return null;
        }

        try
        {
            var stream = new YamlStream();
            DepthLimitedParser.Load(stream, new Parser(new StringReader(text)));
            // GitLab puts a 'spec:' header document before the configuration: the last mapping document is the content.
            if (stream.Documents.LastOrDefault(d => d.RootNode is YamlMappingNode)?.RootNode is YamlMappingNode root) return root;
            var first = stream.Documents.FirstOrDefault()?.RootNode;
            failure = LockfileParse.Failed(path, $"expected a YAML mapping at the top, found {(first is null ? "nothing" : first.NodeType.ToString().ToLowerInvariant())}", first is null ? null : (int)first.Start.Line);
            return null;
        }
        catch (YamlException ex)
        {
            failure = LockfileParse.Failed(path, $"invalid YAML: {ex.Message}", ex.Start.Line > 0 ? (int)ex.Start.Line : null);
            return null;
        }
    }

    public static YamlNode? Child(this YamlNode node, string key) =>
        node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    public static string? Scalar(this YamlNode? node) => node is YamlScalarNode s ? s.Value : null;

    public static int Line(this YamlNode node) => (int)node.Start.Line;

    public static IEnumerable<KeyValuePair<YamlNode, YamlNode>> Entries(this YamlNode? node) =>
        node is YamlMappingNode m ? m.Children : [];

    public static IEnumerable<YamlNode> Items(this YamlNode? node) => node is YamlSequenceNode s ? s.Children : [];
}
