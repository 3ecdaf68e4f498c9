using PipeWatch.Alerting.Incidents;
using PipeWatch.Configuration;
using PipeWatch.Detectors;
using PipeWatch.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PipeWatch.Engine;

/// <summary>
/// Reads pipewatch.yml into a <see cref="PipeWatchConfig"/>: parse, validate every key (collecting all problems), then freeze.
/// The <c>detectors</c> sections come from the detector registry (<see cref="BuiltInDetectors.Sections"/>), each declared beside its options.
/// </summary>
public static class ConfigLoader
{
    /// <summary>The file name looked for in the working directory.</summary>
    public const string FileName = "pipewatch.yml";

    internal static readonly Setting<IncidentOptions>[] IncidentSettings =
    [
        new("window", (reader, node, at, o) => reader.IncidentWindow(node, at) is { } window ? o with { Window = window } : o) { Schema = Setting.DurationSchema },
    ];

    // The top level: the config so far, and the min-samples default applied once every section is read.
    internal sealed record TopLevel(PipeWatchConfig Config, int? MinimumSamples);

    internal static readonly Setting<TopLevel>[] TopLevelSettings =
    [
        Setting.Int<TopLevel>("min-samples", 1, Setting.MaximumSamples, (t, v) => t with { MinimumSamples = v }),
        new("detectors", (reader, node, _, t) => t with { Config = Detectors(reader, node, t.Config) }),
        new("allow", (reader, node, _, t) => t with { Config = t.Config with { Allow = AllowlistReader.Read(reader, node) } }),
        new("incidents", (reader, node, at, t) => t with { Config = t.Config with { Incidents = reader.Section(node, at, t.Config.Incidents, IncidentSettings) } }),
        new("sigma", (reader, node, at, t) => t with { Config = t.Config with { Sigma = reader.Section(node, at, t.Config.Sigma, SigmaSettings.All) } }),
        new("signals", (reader, node, at, t) => t with { Config = t.Config with { Signals = reader.Section(node, at, t.Config.Signals, SignalSettings.All) } }),
        new("serve", (reader, node, at, t) => t with { Config = t.Config with { Serve = reader.Section(node, at, t.Config.Serve, ServeSettings.All) } }),
        new("alerts", (reader, node, at, t) => t with { Config = t.Config with { Alerts = AlertsReader.Read(reader, node, at) } }),
        new("intel", (reader, node, at, t) => t with { Config = t.Config with { Intel = reader.Section(node, at, t.Config.Intel, IntelSettings.All) } }),
        new("secrets", (reader, node, at, t) => t with { Config = t.Config with { Secrets = reader.Section(node, at, t.Config.Secrets, SecretsSettings.All) } }),
    ];

    /// <summary>Loads <paramref name="path"/>, or <c>pipewatch.yml</c> in <paramref name="workingDirectory"/> when present, else the defaults.</summary>
    /// <exception cref="ConfigException">The file is missing (when named), unreadable or invalid.</exception>
    public static PipeWatchConfig Load(string? path, string workingDirectory)
    {
        if (path is null)
        {
            var local = Path.Combine(workingDirectory, FileName);
            return File.Exists(local) ? LoadFile(local) : PipeWatchConfig.Default;
        }

        return File.Exists(path) ? LoadFile(path) : throw new ConfigException([$"{path}: no such config file"]);
    }

    public static PipeWatchConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: cannot read ({ex.Message})"]);
        }

        return Parse(text, path);
    }

    /// <summary>Parses YAML text; <paramref name="file"/> names it in problems.</summary>
    public static PipeWatchConfig Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            DepthLimitedParser.Load(stream, new Parser(new StringReader(yaml)));
        }
        catch (YamlException ex)
        {
            throw new ConfigException([$"{file}:{ex.Start.Line}: invalid YAML ({ex.Message})"]);
        }

        var reader = new YamlConfigReader(file);
        var config = stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" }
            ? PipeWatchConfig.Default with { File = file }
            : Root(reader, stream.Documents[0].RootNode, file);
        return reader.Problems.Count > 0 ? throw new ConfigException(reader.Problems) : config;
    }

    private static PipeWatchConfig Root(YamlConfigReader reader, YamlNode node, string file)
    {
        var config = new PipeWatchConfig { File = file };
        if (!reader.IsMapping(node, "the top level", out var root)) return config;
        var top = reader.Section(root, string.Empty, null, new TopLevel(config, null), null, TopLevelSettings);

        // A top-level min-samples is the default for every detector that did not set its own.
        return top.MinimumSamples is { } samples && reader.Problems.Count == 0
            ? ApplyDefaultSamples(top.Config, samples, root)
            : top.Config;
    }

    private static PipeWatchConfig Detectors(YamlConfigReader reader, YamlNode node, PipeWatchConfig config)
    {
        if (!reader.IsMapping(node, "detectors", out var detectors)) return config;
        var disabled = new HashSet<string>(config.Disabled, StringComparer.Ordinal);
        foreach (var (id, value) in reader.Entries(detectors))
        {
            var path = $"detectors.{id}";
            if (!reader.IsMapping(value, path, out var settings)) continue;
            if (BuiltInDetectors.Section(id) is { } section)
            {
                config = section.Read(reader, settings, path, config, disabled);
            }
            else
            {
                reader.Unknown(value, path, string.Join(", ", BuiltInDetectors.Sections.Select(s => s.Id)));
            }
        }

        return config with { Disabled = disabled };
    }

    private static PipeWatchConfig ApplyDefaultSamples(PipeWatchConfig config, int samples, YamlMappingNode root)
    {
        var detectors = root.Children.FirstOrDefault(p => YamlConfigReader.Key(p.Key) == "detectors").Value as YamlMappingNode;
        bool Sets(string id) => detectors?.Children.FirstOrDefault(p => YamlConfigReader.Key(p.Key) == id).Value is YamlMappingNode d
            && d.Children.Any(p => YamlConfigReader.Key(p.Key) == "min-samples");
        foreach (var section in BuiltInDetectors.Sections.Where(s => !Sets(s.Id)))
        {
            config = section.DefaultSamples(config, samples);
        }

        return config;
    }
}
