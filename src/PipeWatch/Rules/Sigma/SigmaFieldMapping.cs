using System.Collections.Concurrent;
using System.Collections.Frozen;
using PipeWatch.Yaml;
using PipeWatch.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Rules.Sigma;

/// <summary>The field names Sigma rules use, and the PipeWatch field each one reads; loaded from <c>field-mapping.yml</c> data.</summary>
/// <remarks>
/// A rule's field is read as its mapped name, else its own name, else its own name behind each fallback prefix (see the
/// built-in <c>src/PipeWatch/Rules/Sigma/field-mapping.yml</c>). Immutable; <see cref="Candidates"/> is thread-safe.
/// </remarks>
public sealed class SigmaFieldMapping
{
    private readonly ConcurrentDictionary<string, string[]> _candidates = new(StringComparer.Ordinal);

    private SigmaFieldMapping(FrozenDictionary<string, string> fields, IReadOnlyList<string> prefixes, FrozenDictionary<string, string> categories, IReadOnlyList<KeyValuePair<string, string>> tagCategories)
    {
        Fields = fields;
        FallbackPrefixes = prefixes;
        Categories = categories;
        TagCategories = tagCategories;
    }

    /// <summary>The built-in mapping, from the embedded <c>field-mapping.yml</c>.</summary>
    public static SigmaFieldMapping Default { get; } = LoadDefault();

    /// <summary>Rule field → PipeWatch field.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>Prefixes tried, in order, for a field that is neither mapped nor present under its own name.</summary>
    public IReadOnlyList<string> FallbackPrefixes { get; }

    /// <summary>Sigma <c>logsource.category</c> → the ECS <c>event.category</c> of the telemetry events it is written for.</summary>
    public IReadOnlyDictionary<string, string> Categories { get; }

    /// <summary>Tag (or tag prefix) → taxonomy category, in file order: the first row a rule's tags meet gives its findings' category.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> TagCategories { get; }

    /// <summary>The category of the first <see cref="TagCategories"/> row one of <paramref name="tags"/> meets, or null.</summary>
    public string? CategoryForTags(IReadOnlyList<string> tags)
    {
        foreach (var (tag, category) in TagCategories)
        {
            foreach (var t in tags)
            {
                if (t.Equals(tag, StringComparison.OrdinalIgnoreCase) || (t.StartsWith(tag, StringComparison.OrdinalIgnoreCase) && t.Length > tag.Length && t[tag.Length] == '.')) return category;
            }
        }

        return null;
    }

    /// <summary>The names <paramref name="field"/> is looked up under, in order.</summary>
    public string[] Candidates(string field) =>
        _candidates.TryGetValue(field, out var known) ? known : _candidates.GetOrAdd(field, static (f, mapping) =>
        {
            var first = mapping.Fields.TryGetValue(f, out var mapped) ? mapped : f;
            return [first, .. mapping.FallbackPrefixes.Select(p => p + f).Where(n => n != first)];
        }, this);

    /// <summary>The PipeWatch name for a rule's field name (itself when there is no row).</summary>
    public string Resolve(string field) => Fields.TryGetValue(field, out var mapped) ? mapped : field;

    /// <summary>This mapping with the rows of <paramref name="yaml"/> added (its rows win); problems name <paramref name="file"/> and the line.</summary>
    public SigmaFieldMapping Extend(string yaml, string file, out IReadOnlyList<Problem> problems)
    {
        var fields = new Dictionary<string, string>(Fields, StringComparer.Ordinal);
        var prefixes = FallbackPrefixes.ToList();
        var categories = new Dictionary<string, string>(Categories, StringComparer.Ordinal);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        problems = Read(yaml, file, fields, prefixes, categories, tags);

        // The extension's tag rows come first, so they win.
        var tagCategories = tags.Concat(TagCategories.Where(t => !tags.ContainsKey(t.Key))).ToList();
        return new SigmaFieldMapping(fields.ToFrozenDictionary(StringComparer.Ordinal), prefixes, categories.ToFrozenDictionary(StringComparer.Ordinal), tagCategories);
    }

    private static SigmaFieldMapping LoadDefault()
    {
        using var stream = typeof(SigmaFieldMapping).Assembly.GetManifestResourceStream("PipeWatch.sigma-field-mapping.yml")
            ?? throw new InvalidOperationException("the embedded Sigma field mapping is missing");
        using var reader = new StreamReader(stream);
        var empty = new SigmaFieldMapping(FrozenDictionary<string, string>.Empty, [], FrozenDictionary<string, string>.Empty, []);
        var mapping = empty.Extend(reader.ReadToEnd(), "field-mapping.yml", out var problems);
        return problems.Count == 0 ? mapping : throw new InvalidOperationException(string.Join("; ", problems));
    }

    private static List<Problem> Read(string yaml, string file, Dictionary<string, string> fields, List<string> prefixes, Dictionary<string, string> categories, Dictionary<string, string> tags)
    {
        var problems = new List<Problem>();
        var stream = new YamlStream();
        try
        {
            DepthLimitedParser.Load(stream, new Parser(new StringReader(yaml)));
        }
        catch (YamlException e)
        {
            problems.Add(new Problem(file, $"invalid YAML: {e.InnerException?.Message ?? e.Message}", (int)e.Start.Line));
            return problems;
        }

        if (stream.Documents.Count == 0) return problems;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add(new Problem(file, "expected a mapping with fields, fallback-prefixes, categories and tag-categories", (int)stream.Documents[0].RootNode.Start.Line));
            return problems;
        }

        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            switch (key)
            {
                case "fields":
                    Pairs(value, "fields", fields, problems, file);
                    break;
                case "categories":
                    Pairs(value, "categories", categories, problems, file);
                    break;
                case "tag-categories":
                    Pairs(value, "tag-categories", tags, problems, file);
                    foreach (var (tag, category) in tags.Where(t => !Findings.Categories.IsKnown(t.Value)).ToList())
                    {
                        problems.Add(new Problem(file, $"tag-categories.{tag}: '{category}' is not a category of the taxonomy"));
                        tags.Remove(tag);
                    }

                    break;
                case "fallback-prefixes" when value is YamlSequenceNode list:
                    foreach (var item in list.Children)
                    {
                        if (item is YamlScalarNode { Value: { Length: > 0 } prefix }) prefixes.Add(prefix);
                        else problems.Add(new Problem(file, "fallback-prefixes: expected non-empty text", (int)item.Start.Line));
                    }

                    break;
                default:
                    problems.Add(new Problem(file, $"unknown key '{key}' (expected fields, fallback-prefixes, categories or tag-categories; fallback-prefixes is a list)", (int)keyNode.Start.Line));
                    break;
            }
        }

        return problems;
    }

    private static void Pairs(YamlNode node, string at, Dictionary<string, string> into, List<Problem> problems, string file)
    {
        if (node is not YamlMappingNode map)
        {
            problems.Add(new Problem(file, $"{at}: expected a mapping of names", (int)node.Start.Line));
            return;
        }

        foreach (var (key, value) in map.Children)
        {
            if (key is YamlScalarNode { Value: { Length: > 0 } name } && value is YamlScalarNode { Value: { Length: > 0 } target }) into[name] = target;
            else problems.Add(new Problem(file, $"{at}: each row must be 'name: name'", (int)key.Start.Line));
        }
    }
}
