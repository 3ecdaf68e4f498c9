using YamlDotNet.RepresentationModel;

namespace PipeWatch.Configuration;

/// <summary>The <c>detectors.&lt;id&gt;</c> section of one detector: how it is read into, and defaulted on, <see cref="PipeWatchConfig"/>.</summary>
internal sealed class DetectorSection
{
    private readonly Func<YamlConfigReader, YamlMappingNode, string, PipeWatchConfig, HashSet<string>, PipeWatchConfig> _read;
    private readonly Func<PipeWatchConfig, int, PipeWatchConfig> _defaultSamples;

    private DetectorSection(
        string id,
        IReadOnlyList<(string Key, string? Schema)> keys,
        Func<YamlConfigReader, YamlMappingNode, string, PipeWatchConfig, HashSet<string>, PipeWatchConfig> read,
        Func<PipeWatchConfig, int, PipeWatchConfig> defaultSamples)
    {
        Id = id;
        Keys = keys;
        _read = read;
        _defaultSamples = defaultSamples;
    }

    public string Id { get; }

    /// <summary>The section's keys (besides <c>enabled</c>) with each value's JSON Schema, for docs/schemas/pipewatch.schema.json.</summary>
    public IReadOnlyList<(string Key, string? Schema)> Keys { get; }

    /// <summary>The section of a detector whose options are <typeparamref name="T"/> (<see cref="PipeWatchConfig.Options{T}"/>).</summary>
    /// <param name="check">Checks the options as a whole once read; returns the reason they cannot work, or null.</param>
    public static DetectorSection For<T>(string id, IReadOnlyList<Setting<T>> settings, Func<T, string?>? check = null)
        where T : class, new()
    {
        static T get(PipeWatchConfig config) => config.Options<T>();
        static PipeWatchConfig set(PipeWatchConfig config, T options) => config.With(options);
        var defaultSamples = settings.Select(s => s.DefaultSamples).FirstOrDefault(d => d is not null);
        return new DetectorSection(
            id,
            [.. settings.Select(s => (s.Key, s.Schema))],
            (reader, mapping, path, config, disabled) =>
            {
                var options = reader.Section(mapping, path, id, get(config), disabled, settings);
                if (check?.Invoke(options) is { } reason) reader.Problem(mapping, $"{path}: {reason}");
                return set(config, options);
            },
            defaultSamples is null ? (config, _) => config : (config, samples) => set(config, defaultSamples(get(config), samples)));
    }

    /// <summary>Reads the section's keys (and <c>enabled</c>) into <paramref name="config"/>.</summary>
    public PipeWatchConfig Read(YamlConfigReader reader, YamlMappingNode mapping, string path, PipeWatchConfig config, HashSet<string> disabled) =>
        _read(reader, mapping, path, config, disabled);

    /// <summary>Applies the top-level <c>min-samples</c>, if this detector takes it.</summary>
    public PipeWatchConfig DefaultSamples(PipeWatchConfig config, int samples) => _defaultSamples(config, samples);
}
