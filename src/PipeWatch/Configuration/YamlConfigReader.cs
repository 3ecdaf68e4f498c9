using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>Reads values out of a YAML tree, recording each problem (file, line, key, reason) and carrying on.</summary>
internal sealed class YamlConfigReader(string file)
{
    // The key node of each value seen, so a problem with a key is reported on the key's own line.
    private readonly Dictionary<YamlNode, YamlNode> _keyNodes = new(ReferenceEqualityComparer.Instance);

    public List<string> Problems { get; } = [];

    /// <summary>The file being read; relative paths in it resolve against its folder.</summary>
    public string File => file;

    /// <summary>
    /// Applies each key of <paramref name="mapping"/> to <paramref name="options"/> through its entry in <paramref name="settings"/>;
    /// a detector section (<paramref name="detectorId"/> given) also accepts <c>enabled</c>, which adds to or removes from <paramref name="disabled"/>.
    /// </summary>
    public T Section<T>(YamlMappingNode mapping, string path, string? detectorId, T options, HashSet<string>? disabled, IReadOnlyList<Setting<T>> settings)
    {
        foreach (var (key, value) in Entries(mapping))
        {
            var at = path.Length == 0 ? key : $"{path}.{key}";
            if (detectorId is not null && disabled is not null && key == "enabled")
            {
                Enabled(value, at, detectorId, disabled);
            }
            else if (settings.FirstOrDefault(s => s.Key == key) is { } setting)
            {
                options = setting.Read(this, value, at, options);
            }
            else
            {
                var labels = settings.Select(s => s.Label);
                Unknown(value, at, string.Join(", ", detectorId is null ? labels : labels.Prepend("enabled")));
            }
        }

        return options;
    }

    /// <summary>A section that is not a detector's, given as any node: anything but a mapping is a problem.</summary>
    public T Section<T>(YamlNode node, string path, T options, IReadOnlyList<Setting<T>> settings) =>
        IsMapping(node, path, out var mapping) ? Section(mapping, path, null, options, null, settings) : options;

    private void Enabled(YamlNode value, string at, string detectorId, HashSet<string> disabled)
    {
        switch (Bool(value, at))
        {
            case true: disabled.Remove(detectorId); break;
            case false: disabled.Add(detectorId); break;
        }
    }

    public bool? Bool(YamlNode node, string at)
    {
        switch (Scalar(node, at)?.ToLowerInvariant())
        {
            case "true": return true;
            case "false": return false;
            case null: return null;
            default: Problem(node, $"{at}: expected true or false"); return null;
        }
    }

    public int? Int(YamlNode node, string at, int min, int max) =>
        Parsed<int>(node, at, text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value : null,
            $"a whole number from {min} to {max}");

    public double? Number(YamlNode node, string at, double min, double max) =>
        Parsed<double>(node, at, text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value : null,
            $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");

    public TimeSpan? Duration(YamlNode node, string at) =>
        Parsed<TimeSpan>(node, at, text => DurationText.TryParse(text, out var value) ? value : null, "a duration such as 30s, 5m or 1h");

    /// <summary>A duration from 1s to 30d (the only bounded duration, the incident window).</summary>
    public TimeSpan? IncidentWindow(YamlNode node, string at) =>
        Parsed<TimeSpan>(node, at, text => DurationText.TryParse(text, out var value) && value >= TimeSpan.FromSeconds(1) && value <= TimeSpan.FromDays(30) ? value : null,
            "a duration from 1s to 30d such as 30m or 2h");

    // A single value that parse accepts, else a problem naming what was expected and what was given.
    private TValue? Parsed<TValue>(YamlNode node, string at, Func<string, TValue?> parse, string expected)
        where TValue : struct
    {
        var text = Scalar(node, at);
        if (text is null) return null;
        if (parse(text) is { } value) return value;
        Problem(node, $"{at}: expected {expected}, got '{text}'");
        return null;
    }

    /// <summary>A non-empty string, or null (and a problem) for anything else.</summary>
    public string? String(YamlNode node, string at)
    {
        var text = Scalar(node, at);
        if (text is { Length: 0 }) Problem(node, $"{at}: must not be empty");
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>A list of non-empty strings (a single value is a list of one).</summary>
    public List<string> Strings(YamlNode node, string at)
    {
        if (node is YamlScalarNode) return String(node, at) is { } one ? [one] : [];
        if (node is not YamlSequenceNode list)
        {
            Problem(node, $"{at}: expected a list of values");
            return [];
        }

        var values = new List<string>();
        var index = 0;
        foreach (var item in list.Children)
        {
            if (String(item, $"{at}[{index++}]") is { } text) values.Add(text);
        }

        return values;
    }

    /// <summary>A list of regexes (.NET syntax), each compiled; a bad one is a problem naming it and why.</summary>
    public List<System.Text.RegularExpressions.Regex> Regexes(YamlNode node, string at)
    {
        var regexes = new List<System.Text.RegularExpressions.Regex>();
        var index = 0;
        foreach (var text in Strings(node, at))
        {
            try
            {
                regexes.Add(new System.Text.RegularExpressions.Regex(text, System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            }
            catch (ArgumentException ex)
            {
                Problem(node, $"{at}[{index}]: invalid regex '{text}' ({ex.Message})");
            }

            index++;
        }

        return regexes;
    }

    /// <summary>A list of mappings, each read by <paramref name="read"/> (null: skip it, its problems reported).</summary>
    /// <param name="notAList">The reason when <paramref name="node"/> is not a list.</param>
    public List<TItem> MappingList<TItem>(YamlNode node, string at, string notAList, Func<YamlNode, YamlMappingNode, string, TItem?> read)
        where TItem : class
    {
        var items = new List<TItem>();
        if (node is not YamlSequenceNode list)
        {
            Problem(node, $"{at}: {notAList}");
            return items;
        }

        var index = 0;
        foreach (var item in list.Children)
        {
            var path = $"{at}[{index++}]";
            if (IsMapping(item, path, out var mapping) && read(item, mapping, path) is { } entry) items.Add(entry);
        }

        return items;
    }

    public bool IsMapping(YamlNode node, string at, out YamlMappingNode mapping)
    {
        if (node is YamlMappingNode map)
        {
            mapping = map;
            return true;
        }

        mapping = new YamlMappingNode();
        Problem(node, $"{at}: expected a mapping of keys to values");
        return false;
    }

    /// <summary>The keys and values of <paramref name="mapping"/>, remembering each key's node for <see cref="Unknown"/>.</summary>
    public IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping)
    {
        foreach (var pair in mapping.Children)
        {
            _keyNodes[pair.Value] = pair.Key;
            yield return (Key(pair.Key), pair.Value);
        }
    }

    public static string Key(YamlNode node) => (node as YamlScalarNode)?.Value ?? node.ToString();

    /// <summary>Reports the key of <paramref name="value"/> as unknown, on the key's own line.</summary>
    public void Unknown(YamlNode value, string at, string expected) =>
        Problem(_keyNodes.GetValueOrDefault(value) ?? value, $"unknown key '{at}' (expected one of: {expected})");

    public void Problem(YamlNode node, string message) => Problems.Add($"{file}:{node.Start.Line}: {message}");

    private string? Scalar(YamlNode node, string at)
    {
        if (node is YamlScalarNode scalar) return scalar.Value ?? string.Empty;
        Problem(node, $"{at}: expected a single value");
        return null;
    }
}
