using PipeWatch.Yaml;
using PipeWatch.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Rules.Sigma;

/// <summary>Reads Sigma rule files into compiled rules, reporting every unsupported or malformed construct with its file and line.</summary>
public static partial class SigmaRuleLoader
{
    private static readonly HashSet<string> Standard =
    [
        "title", "id", "name", "related", "taxonomy", "status", "description", "license", "author", "references",
        "date", "modified", "logsource", "detection", "fields", "falsepositives", "level", "tags", "scope",
    ];

    /// <summary>Every document of every <c>*.yml</c> and <c>*.yaml</c> file under <paramref name="directory"/>, in path order.</summary>
    public static IReadOnlyList<SigmaLoadResult> LoadDirectory(string directory, SigmaLoadOptions? options = null) =>
        [.. Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => LoadAll(f, options))];

    /// <summary>The first document of <paramref name="file"/>.</summary>
    public static SigmaLoadResult LoadFile(string file, SigmaLoadOptions? options = null) => LoadAll(file, options)[0];

    /// <summary>Every document of <paramref name="file"/>; an unreadable file is one result with its problem.</summary>
    public static IReadOnlyList<SigmaLoadResult> LoadAll(string file, SigmaLoadOptions? options = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [new SigmaLoadResult(null, [new Problem(file, $"cannot read ({e.Message})")])];
        }

        return ParseAll(text, file, options);
    }

    /// <summary>The rule in the first document of <paramref name="yaml"/>, or every problem that keeps it from loading; never throws on bad input.</summary>
    public static SigmaLoadResult Parse(string yaml, string file, SigmaLoadOptions? options = null) => ParseAll(yaml, file, options)[0];

    /// <summary>One result per YAML document (a correlation rule and the rules it refers to may share a file); never empty, never throws on bad input.</summary>
    public static IReadOnlyList<SigmaLoadResult> ParseAll(string yaml, string file, SigmaLoadOptions? options = null)
    {
        var stream = new YamlStream();
        try
        {
            DepthLimitedParser.Load(stream, new Parser(new StringReader(yaml)));
        }
        catch (YamlException e)
        {
            return [new SigmaLoadResult(null, [new Problem(file, $"invalid YAML: {e.InnerException?.Message ?? e.Message}", (int)e.Start.Line)])];
        }

        if (stream.Documents.Count == 0) return [new SigmaLoadResult(null, [new Problem(file, "the file holds no rule")])];
        var results = new List<SigmaLoadResult>();
        foreach (var document in stream.Documents)
        {
            var problems = new List<Problem>();
            if (document.RootNode is not YamlMappingNode root)
            {
                problems.Add(new Problem(file, "a rule must be a mapping of keys to values", (int)document.RootNode.Start.Line));
                results.Add(new SigmaLoadResult(null, problems));
                continue;
            }

            var reader = new Reader(file, problems, options ?? SigmaLoadOptions.Default);
            if (root.Children.Any(p => Key(p.Key) == "correlation"))
            {
                var correlation = reader.Correlation(root);
                results.Add(problems.Count == 0 ? new SigmaLoadResult(null, []) { Correlation = correlation } : new SigmaLoadResult(null, problems));
            }
            else
            {
                var rule = reader.Rule(root);
                results.Add(problems.Count == 0 ? new SigmaLoadResult(rule, []) : new SigmaLoadResult(null, problems));
            }
        }

        return results;
    }

    private static string Key(YamlNode node) => (node as YamlScalarNode)?.Value ?? node.ToString();

    private sealed partial class Reader(string file, List<Problem> problems, SigmaLoadOptions options)
    {
        public SigmaRule? Rule(YamlMappingNode root)
        {
            var entries = root.Children.ToDictionary(p => Key(p.Key), p => p, StringComparer.Ordinal);
            if (entries.ContainsKey("filter")) Problem(entries["filter"].Key, "filter rules (Sigma filters) are not supported: put the exclusion in the rule's condition");
            if (entries.TryGetValue("action", out var action)) Problem(action.Key, "'action' (rule collections) is not supported");

            var title = Required(root, entries, "title") is { } t ? Text(t, "title") : null;
            if (title is { Length: > 256 }) Problem(entries["title"].Value, "title: longer than 256 characters");
            var id = entries.TryGetValue("id", out var idNode) ? Text(idNode.Value, "id") : null;
            if (id is not null && !Guid.TryParse(id, out _)) Problem(idNode.Value, $"id: '{id}' is not a UUID");
            var name = entries.TryGetValue("name", out var nameNode) ? Text(nameNode.Value, "name") : null;
            var status = Enum<SigmaStatus>(entries, "status");
            var level = Enum<SigmaLevel>(entries, "level");
            var description = entries.TryGetValue("description", out var d) ? Text(d.Value, "description") : null;
            var tags = entries.TryGetValue("tags", out var tagNode) ? Strings(tagNode.Value, "tags") : [];
            var logSource = Required(root, entries, "logsource") is { } ls ? LogSource(ls) : null;
            var detection = Required(root, entries, "detection") is { } det ? Detection(det) : null;

            var custom = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, pair) in entries)
            {
                if (Standard.Contains(key) || key is "correlation" or "filter" or "action") continue;
                custom[key] = pair.Value switch
                {
                    YamlScalarNode s => s.Value ?? string.Empty,
                    YamlSequenceNode list => string.Join(',', list.Children.OfType<YamlScalarNode>().Select(s => s.Value)),
                    _ => pair.Value.ToString(),
                };
            }

            if (title is null || logSource is null || detection is null) return null;
            return new SigmaRule(file, title, detection.Value.Matcher, detection.Value.Searches)
            {
                Id = id,
                Name = name,
                Line = (int)root.Start.Line,
                Status = status,
                Level = level,
                Description = description,
                Tags = tags,
                LogSource = logSource,
                SearchIdentifiers = detection.Value.Names,
                Condition = detection.Value.Condition,
                CustomAttributes = custom,
            };
        }

        private YamlNode? Required(YamlMappingNode root, Dictionary<string, KeyValuePair<YamlNode, YamlNode>> entries, string key)
        {
            if (entries.TryGetValue(key, out var pair)) return pair.Value;
            Problem(root, $"missing required key '{key}'");
            return null;
        }

        private TEnum? Enum<TEnum>(Dictionary<string, KeyValuePair<YamlNode, YamlNode>> entries, string key)
            where TEnum : struct, Enum
        {
            if (!entries.TryGetValue(key, out var pair) || Text(pair.Value, key) is not { } text) return null;
            if (System.Enum.TryParse<TEnum>(text, true, out var value) && text.All(char.IsLower)) return value;
            Problem(pair.Value, $"{key}: '{text}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}");
            return null;
        }

        private SigmaLogSource? LogSource(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Problem(node, "logsource: expected a mapping of product, service, category");
                return null;
            }

            string? Get(string key) => map.Children.FirstOrDefault(p => Key(p.Key) == key) is { Key: not null } p ? Text(p.Value, $"logsource.{key}") : null;
            var source = new SigmaLogSource(Get("product"), Get("service"), Get("category"), Get("definition"));
            if (source is { Product: null, Service: null, Category: null }) Problem(node, "logsource: needs at least one of product, service, category");
            return source;
        }

        private (ISigmaMatcher Matcher, IReadOnlyList<string> Names, string Condition, IReadOnlyList<SigmaSearch> Searches)? Detection(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Problem(node, "detection: expected a mapping of search identifiers and a condition");
                return null;
            }

            var searches = new Dictionary<string, ISigmaMatcher>(StringComparer.Ordinal);
            var names = new List<string>();
            var explained = new List<SigmaSearch>();
            YamlNode? conditionNode = null;
            var failed = false;
            foreach (var (keyNode, value) in map.Children)
            {
                var name = Key(keyNode);
                switch (name)
                {
                    case "condition":
                        conditionNode = value;
                        continue;
                    case "timeframe":
                        Problem(keyNode, "detection.timeframe was removed in Sigma 2; use a correlation rule");
                        failed = true;
                        continue;
                }

                names.Add(name);
                _items.Clear();
                if (Search(name, value) is { } search)
                {
                    searches[name] = search;
                    explained.Add(new SigmaSearch(name, search, [.. _items]));
                }
                else
                {
                    failed = true;
                }
            }

            if (conditionNode is null)
            {
                Problem(node, "detection: missing 'condition'");
                return null;
            }

            var conditions = conditionNode switch
            {
                YamlScalarNode s => [s.Value ?? string.Empty],
                YamlSequenceNode list => list.Children.Select(c => (c as YamlScalarNode)?.Value ?? string.Empty).ToList(),
                _ => new List<string>(),
            };
            if (conditions.Count == 0)
            {
                Problem(conditionNode, "detection.condition: expected a condition");
                return null;
            }

            if (failed)
            {
                // The failed searches are reported already; a condition checked against the rest would report them again as missing.
                return null;
            }

            var parsed = new List<ISigmaMatcher>();
            foreach (var text in conditions)
            {
                var (matcher, error) = SigmaCondition.Parse(text, searches, names);
                if (error is not null) Problem(conditionNode, $"detection.condition: {error}");
                else parsed.Add(matcher!);
            }

            return parsed.Count == conditions.Count ? (SigmaCondition.Any(parsed), names, string.Join(" | ", conditions), explained) : null;
        }

        // A search: a map (AND of its items), a list of maps (OR of the maps), or a list of plain values (keywords).
        private ISigmaMatcher? Search(string name, YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    return Map(name, map);
                case YamlSequenceNode list when list.Children.Count > 0 && list.Children.All(c => c is YamlMappingNode):
                    var maps = list.Children.Select(c => Map(name, (YamlMappingNode)c)).ToList();
                    return maps.All(m => m is not null) ? SigmaCondition.Any(maps!) : null;
                case YamlSequenceNode list when list.Children.All(c => c is YamlScalarNode):
                    return Item(name, node, null, [], list.Children);
                case YamlScalarNode:
                    return Item(name, node, null, [], [node]);
                default:
                    Problem(node, $"detection.{name}: expected a map of fields, a list of maps, or a list of keywords");
                    return null;
            }
        }

        private ISigmaMatcher? Map(string name, YamlMappingNode map)
        {
            if (map.Children.Count == 0)
            {
                Problem(map, $"detection.{name}: empty selection");
                return null;
            }

            var items = new List<ISigmaMatcher?>();
            foreach (var (keyNode, value) in map.Children)
            {
                var parts = Key(keyNode).Split('|');
                var values = value switch
                {
                    YamlSequenceNode list => list.Children,
                    _ => (IList<YamlNode>)[value],
                };
                items.Add(Item(name, keyNode, parts[0].Length == 0 ? null : parts[0], parts[1..], values));
            }

            return items.All(i => i is not null) ? SigmaCondition.All(items!) : null;
        }

        private ISigmaMatcher? Item(string name, YamlNode at, string? field, IReadOnlyList<string> modifiers, IEnumerable<YamlNode> valueNodes)
        {
            var values = new List<string?>();
            foreach (var value in valueNodes)
            {
                if (value is not YamlScalarNode scalar)
                {
                    Problem(value, $"detection.{name}: {field ?? "keyword"} values must be plain values, not lists or maps");
                    return null;
                }

                values.Add(IsNull(scalar) ? null : scalar.Value);
            }

            var (matcher, error) = SigmaValueCompiler.Compile(field, modifiers, values, options);
            if (error is not null) Problem(at, $"detection.{name}: {(field is null ? string.Empty : $"{field}: ")}{error}");
            if (matcher is not null) _items.Add(new SigmaItem(field, matcher));
            return matcher;
        }

        private static bool IsNull(YamlScalarNode scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

        private string? Text(YamlNode node, string at)
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } value }) return value;
            Problem(node, $"{at}: expected a non-empty value");
            return null;
        }

        private List<string> Strings(YamlNode node, string at)
        {
            if (node is not YamlSequenceNode list)
            {
                Problem(node, $"{at}: expected a list");
                return [];
            }

            return [.. list.Children.Select((c, i) => Text(c, $"{at}[{i}]")).OfType<string>()];
        }

        private readonly List<SigmaItem> _items = [];

        private void Problem(YamlNode node, string reason) => problems.Add(new Problem(file, reason, (int)node.Start.Line));
    }
}
