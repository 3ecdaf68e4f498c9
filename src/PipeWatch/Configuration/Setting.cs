using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>One key of a config section: its name, and how its value is read and applied to the options <typeparamref name="T"/>.</summary>
/// <param name="Read">Reads the value at the given key path and returns the options with it applied (unchanged when the value is bad).</param>
internal sealed record Setting<T>(string Key, Func<YamlConfigReader, YamlNode, string, T, T> Read)
{
    /// <summary>How the key is listed in "expected one of: …".</summary>
    public string Label { get; init; } = Key;

    /// <summary>Applies the top-level <c>min-samples</c> default (already capped), for the one setting that takes it.</summary>
    public Func<T, int, T>? DefaultSamples { get; init; }

    /// <summary>The value's JSON Schema (a JSON object as text) for docs/schemas/pipewatch.schema.json; null: any value (its reader checks it).</summary>
    public string? Schema { get; init; }
}

/// <summary>Builds <see cref="Setting{T}"/>s, one factory per kind of value.</summary>
internal static class Setting
{
    /// <summary>The largest <c>min-samples</c> anywhere.</summary>
    public const int MaximumSamples = 100_000;

    /// <summary>The schema of a duration as <see cref="DurationText"/> reads it: seconds, or a number with s, m, h or d.</summary>
    public const string DurationSchema = """{"type":["string","number"],"pattern":"^[0-9]+(\\.[0-9]+)?[smhdSMHD]?$","minimum":0}""";

    public static Setting<T> Int<T>(string key, int min, int max, Func<T, int, T> set) =>
        new(key, (reader, node, at, options) => reader.Int(node, at, min, max) is { } value ? set(options, value) : options)
        {
            Schema = string.Create(CultureInfo.InvariantCulture, $$"""{"type":"integer","minimum":{{min}},"maximum":{{max}}}"""),
        };

    public static Setting<T> Number<T>(string key, double min, double max, Func<T, double, T> set) =>
        new(key, (reader, node, at, options) => reader.Number(node, at, min, max) is { } value ? set(options, value) : options)
        {
            Schema = string.Create(CultureInfo.InvariantCulture, $$"""{"type":"number","minimum":{{min}},"maximum":{{max}}}"""),
        };

    public static Setting<T> Duration<T>(string key, Func<T, TimeSpan, T> set) =>
        new(key, (reader, node, at, options) => reader.Duration(node, at) is { } value ? set(options, value) : options) { Schema = DurationSchema };

    public static Setting<T> Bool<T>(string key, Func<T, bool, T> set) =>
        new(key, (reader, node, at, options) => reader.Bool(node, at) is { } value ? set(options, value) : options) { Schema = """{"type":"boolean"}""" };

    /// <summary>One of a fixed set of words (compared exactly); anything else is a problem naming the choices.</summary>
    public static Setting<T> Choice<T>(string key, IReadOnlyList<string> choices, Func<T, string, T> set) =>
        new(key, (reader, node, at, options) =>
        {
            if (reader.String(node, at) is not { } value) return options;
            if (choices.Contains(value, StringComparer.Ordinal)) return set(options, value);
            reader.Problem(node, $"{at}: expected one of {string.Join(", ", choices)}, got '{value}'");
            return options;
        })
        {
            Schema = $$"""{"enum":[{{string.Join(",", choices.Select(c => System.Text.Json.JsonSerializer.Serialize(c)))}}]}""",
        };

    /// <summary>A list of strings; a bad value sets the list to the good items (possibly none).</summary>
    public static Setting<T> Strings<T>(string key, Func<T, IReadOnlyList<string>, T> set) =>
        new(key, (reader, node, at, options) => set(options, reader.Strings(node, at)))
        {
            // One value is read as a list of one.
            Schema = """{"oneOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]}""",
        };

    /// <summary>
    /// A detector's <c>min-samples</c>, which also takes the top-level <c>min-samples</c> when the detector does not set its own;
    /// <paramref name="max"/> caps both (and is listed in "expected one of" when below <see cref="MaximumSamples"/>).
    /// </summary>
    public static Setting<T> MinimumSamples<T>(Func<T, int, T> set, int max = MaximumSamples) =>
        Int("min-samples", 1, max, set) with
        {
            Label = max < MaximumSamples ? $"min-samples (at most {max})" : "min-samples",
            DefaultSamples = (options, samples) => set(options, Math.Min(samples, max)),
        };
}
