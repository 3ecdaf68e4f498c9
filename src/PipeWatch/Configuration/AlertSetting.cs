using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>Builds the <see cref="Setting{T}"/>s of alert sinks: texts (which may hold <c>${env:NAME}</c>), choices, header maps.</summary>
internal static class AlertSetting
{
    public static Setting<T> Text<T>(string key, Func<T, string, T> set) =>
        new(key, (reader, node, at, options) => reader.String(node, at) is { } value ? set(options, value) : options);

    /// <summary>One of <paramref name="choices"/> (lower-case); anything else is a problem listing them.</summary>
    public static Setting<T> Choice<T>(string key, IReadOnlyList<string> choices, Func<T, string, T> set) =>
        new(key, (reader, node, at, options) =>
        {
            if (reader.String(node, at) is not { } value) return options;
            var lower = value.ToLowerInvariant();
            if (choices.Contains(lower, StringComparer.Ordinal)) return set(options, lower);
            reader.Problem(node, $"{at}: expected one of {string.Join(", ", choices)}, got '{value}'");
            return options;
        });

    /// <summary>A mapping of names to texts (HTTP headers); names must be HTTP tokens.</summary>
    public static Setting<T> Map<T>(string key, Func<T, IReadOnlyDictionary<string, string>, T> set) =>
        new(key, (reader, node, at, options) =>
        {
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!reader.IsMapping(node, at, out var mapping)) return options;
            foreach (var (name, value) in reader.Entries(mapping))
            {
                if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal)))
                {
                    reader.Problem(value, $"{at}: '{name}' is not a valid header name");
                }
                else if (reader.String(value, $"{at}.{name}") is { } text)
                {
                    map[name] = text;
                }
            }

            return set(options, map);
        });

    public static Setting<T> Port<T>(string key, Func<T, int, T> set) => Setting.Int(key, 1, 65535, set);

    internal static YamlMappingNode Without(YamlMappingNode mapping, IReadOnlySet<string> keys)
    {
        var rest = new YamlMappingNode();
        foreach (var pair in mapping.Children.Where(p => !keys.Contains(YamlConfigReader.Key(p.Key))))
        {
            rest.Children.Add(pair.Key, pair.Value);
        }

        return rest;
    }
}
