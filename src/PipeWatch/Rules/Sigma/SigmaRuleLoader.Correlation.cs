using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Rules.Sigma;

public static partial class SigmaRuleLoader
{
    private static readonly Dictionary<string, SigmaCorrelationType> CorrelationTypes = new(StringComparer.Ordinal)
    {
        ["event_count"] = SigmaCorrelationType.EventCount,
        ["value_count"] = SigmaCorrelationType.ValueCount,
        ["value_sum"] = SigmaCorrelationType.ValueSum,
        ["value_avg"] = SigmaCorrelationType.ValueAvg,
        ["value_percentile"] = SigmaCorrelationType.ValuePercentile,
        ["temporal"] = SigmaCorrelationType.Temporal,
        ["temporal_ordered"] = SigmaCorrelationType.TemporalOrdered,
    };

    private sealed partial class Reader
    {
        public SigmaCorrelationRule? Correlation(YamlMappingNode root)
        {
            var entries = root.Children.ToDictionary(p => Key(p.Key), p => p, StringComparer.Ordinal);
            var title = Required(root, entries, "title") is { } t ? Text(t, "title") : null;
            var id = entries.TryGetValue("id", out var idNode) ? Text(idNode.Value, "id") : null;
            var name = entries.TryGetValue("name", out var nameNode) ? Text(nameNode.Value, "name") : null;
            var status = Enum<SigmaStatus>(entries, "status");
            var level = Enum<SigmaLevel>(entries, "level");
            var description = entries.TryGetValue("description", out var d) ? Text(d.Value, "description") : null;
            var tags = entries.TryGetValue("tags", out var tagNode) ? Strings(tagNode.Value, "tags") : [];
            var generate = entries.TryGetValue("generate", out var generateNode) && Bool(generateNode.Value, "generate");
            var custom = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, pair) in entries)
            {
                if (key is "detection" or "logsource")
                {
                    Problem(pair.Key, $"'{key}' does not belong in a correlation rule; put the detection in a rule of its own and refer to it");
                    continue;
                }

                if (Standard.Contains(key) || key is "correlation" or "generate") continue;

                custom[key] = pair.Value is YamlScalarNode s ? s.Value ?? string.Empty : pair.Value.ToString();
            }

            if (entries["correlation"].Value is not YamlMappingNode section)
            {
                Problem(entries["correlation"].Value, "correlation: expected a mapping with type, rules, group-by, timespan and condition");
                return null;
            }

            var parts = section.Children.ToDictionary(p => Key(p.Key), p => p, StringComparer.Ordinal);
            foreach (var (key, pair) in parts)
            {
                if (key is not ("type" or "rules" or "group-by" or "timespan" or "timeframe" or "condition" or "aliases" or "generate"))
                {
                    Problem(pair.Key, $"correlation.{key}: unknown key (expected type, rules, group-by, timespan, condition, aliases, generate)");
                }
            }

            SigmaCorrelationType? type = null;
            if (Required(section, parts, "type", "correlation.") is { } typeNode && Text(typeNode, "correlation.type") is { } typeText)
            {
                if (CorrelationTypes.TryGetValue(typeText, out var parsedType)) type = parsedType;
                else Problem(typeNode, $"correlation.type: '{typeText}' is not one of {string.Join(", ", CorrelationTypes.Keys)}");
            }

            var rules = Required(section, parts, "rules", "correlation.") is { } rulesNode ? (rulesNode is YamlScalarNode ? [.. Text(rulesNode, "correlation.rules") is { } one ? [one] : Array.Empty<string>()] : Strings(rulesNode, "correlation.rules")) : [];
            if (rules.Count == 0 && parts.ContainsKey("rules")) Problem(parts["rules"].Value, "correlation.rules: name at least one rule");
            var groupBy = parts.TryGetValue("group-by", out var groupNode) ? (groupNode.Value is YamlScalarNode ? [.. Text(groupNode.Value, "correlation.group-by") is { } g ? [g] : Array.Empty<string>()] : Strings(groupNode.Value, "correlation.group-by")) : [];
            if (generate is false && parts.TryGetValue("generate", out var innerGenerate)) generate = Bool(innerGenerate.Value, "correlation.generate");

            TimeSpan? timespan = null;
            var spanPair = parts.TryGetValue("timespan", out var sp) ? sp : parts.TryGetValue("timeframe", out var tf) ? tf : default;
            if (spanPair.Key is null) Problem(section, "correlation: missing required key 'timespan'");
            else if (Text(spanPair.Value, "correlation.timespan") is { } spanText)
            {
                timespan = Timespan(spanText);
                if (timespan is null) Problem(spanPair.Value, $"correlation.timespan: '{spanText}' is not a number and one of s, m, h, d, w (e.g. 90m)");
            }

            var conditions = new List<SigmaThreshold>();
            string? field = null;
            int? percentile = null;
            if (parts.TryGetValue("condition", out var conditionPair))
            {
                if (conditionPair.Value is YamlMappingNode condition)
                {
                    foreach (var (keyNode, value) in condition.Children)
                    {
                        var key = Key(keyNode);
                        var text = (value as YamlScalarNode)?.Value;
                        if (key == "field") field = Text(value, "correlation.condition.field");
                        else if (key == "percentile")
                        {
                            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 100) percentile = p;
                            else Problem(value, $"correlation.condition.percentile: expected a whole number from 1 to 100, got '{text}'");
                        }
                        else if (SigmaThreshold.Operators.Contains(key))
                        {
                            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) conditions.Add(new SigmaThreshold(key, n));
                            else Problem(value, $"correlation.condition.{key}: expected a number, got '{text}'");
                        }
                        else
                        {
                            Problem(keyNode, $"correlation.condition.{key}: unknown key (expected one of {string.Join(", ", SigmaThreshold.Operators)}, field, percentile)");
                        }
                    }

                    if (conditions.Count == 0) Problem(condition, "correlation.condition: needs at least one of " + string.Join(", ", SigmaThreshold.Operators));
                }
                else
                {
                    Problem(conditionPair.Value, "correlation.condition: expected a mapping such as 'gte: 5' (extended condition expressions are not supported)");
                }
            }
            else if (type is not (SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered or null))
            {
                Problem(section, "correlation: missing required key 'condition'");
            }

            var valueType = type is SigmaCorrelationType.ValueCount or SigmaCorrelationType.ValueSum or SigmaCorrelationType.ValueAvg or SigmaCorrelationType.ValuePercentile;
            if (valueType && field is null && parts.ContainsKey("condition")) Problem(parts["condition"].Value, $"correlation.condition: '{TypeName(type)}' needs 'field'");
            if (!valueType && field is not null) Problem(parts["condition"].Value, $"correlation.condition.field: only the value_* types count a field");
            if (type == SigmaCorrelationType.ValuePercentile && percentile is null && parts.ContainsKey("condition")) Problem(parts["condition"].Value, "correlation.condition: 'value_percentile' needs 'percentile'");
            if (type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered && rules.Count < 2 && rules.Count > 0) Problem(parts["rules"].Value, "correlation.rules: a temporal correlation needs two or more rules");

            var aliases = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            if (parts.TryGetValue("aliases", out var aliasPair))
            {
                if (aliasPair.Value is YamlMappingNode aliasMap)
                {
                    foreach (var (aliasKey, mapping) in aliasMap.Children)
                    {
                        if (mapping is not YamlMappingNode perRule)
                        {
                            Problem(mapping, $"correlation.aliases.{Key(aliasKey)}: expected a mapping of rule name to field");
                            continue;
                        }

                        aliases[Key(aliasKey)] = perRule.Children.ToDictionary(p => Key(p.Key), p => (p.Value as YamlScalarNode)?.Value ?? string.Empty, StringComparer.Ordinal);
                        foreach (var rule in aliases[Key(aliasKey)].Keys.Where(r => !rules.Contains(r)))
                        {
                            Problem(aliasKey, $"correlation.aliases.{Key(aliasKey)}: '{rule}' is not one of the correlation's rules");
                        }
                    }
                }
                else
                {
                    Problem(aliasPair.Value, "correlation.aliases: expected a mapping of alias to rules and fields");
                }
            }

            if (title is null || type is null || timespan is null || rules.Count == 0) return null;
            return new SigmaCorrelationRule
            {
                File = file,
                Line = (int)root.Start.Line,
                Title = title,
                Id = id,
                Name = name,
                Status = status,
                Level = level,
                Description = description,
                Tags = tags,
                CustomAttributes = custom,
                Type = type.Value,
                Rules = rules,
                GroupBy = groupBy,
                Timespan = timespan.Value,
                Conditions = conditions,
                Field = field,
                Percentile = percentile,
                Aliases = aliases,
                Generate = generate,
            };

            static string TypeName(SigmaCorrelationType? t) => CorrelationTypes.First(p => p.Value == t).Key;
        }

        private YamlNode? Required(YamlMappingNode root, Dictionary<string, KeyValuePair<YamlNode, YamlNode>> entries, string key, string prefix)
        {
            if (entries.TryGetValue(key, out var pair)) return pair.Value;
            Problem(root, $"{prefix.TrimEnd('.')}: missing required key '{key}'");
            return null;
        }

        private bool Bool(YamlNode node, string at)
        {
            switch ((node as YamlScalarNode)?.Value)
            {
                case "true": return true;
                case "false": return false;
                default:
                    Problem(node, $"{at}: expected true or false");
                    return false;
            }
        }

        private static TimeSpan? Timespan(string text)
        {
            if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0) return null;
            return text[^1] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                'w' => TimeSpan.FromDays(7 * n),
                _ => null,
            };
        }
    }
}
